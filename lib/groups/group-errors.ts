import { SluiceError } from '../core/errors';

/** A commit from a member of a generation that is no longer current: a zombie, or a member behind a rebalance. */
export class IllegalGenerationError extends SluiceError {
  constructor(group: string, generation: number, currentGeneration: number | null, reason?: string) {
    super('ILLEGAL_GENERATION',
      `Group '${group}': generation ${generation} is not current${currentGeneration === null ? '' : ` (current is ${currentGeneration})`}${reason ? `; ${reason}` : ''}. Rejoin and read the new assignment; nothing was committed`,
      { group, generation, currentGeneration },
    );
  }
}

export class UnknownMemberError extends SluiceError {
  constructor(group: string, memberId: string) {
    super('UNKNOWN_MEMBER', `Group '${group}' has no member '${memberId}' (it left, or its session expired); join again`, {
      group,
      memberId,
    });
  }
}

export class GroupNotFoundError extends SluiceError {
  constructor(group: string) {
    super('GROUP_NOT_FOUND', `Group '${group}' does not exist`, { group });
  }
}

/** A member committing for a partition the current assignment gives to someone else. */
export class NotAssignedError extends SluiceError {
  constructor(group: string, memberId: string, topic: string, partition: number) {
    super('PARTITION_NOT_ASSIGNED', `Group '${group}': ${topic}/${partition} is not assigned to member '${memberId}'; nothing was committed`, {
      group,
      memberId,
      topic,
      partition,
    });
  }
}

/** A standalone commit (no member id), an offset reset or a deletion on a group that has live members. */
export class GroupActiveError extends SluiceError {
  constructor(group: string, refusal = 'only a member may commit, with its generation', details: Record<string, unknown> = {}) {
    super('GROUP_ACTIVE', `Group '${group}' has active members; ${refusal}`, { group, ...details });
  }
}

/** Pull members and a push subscription would commit the same offsets; a group has one or the other. */
export class GroupHasSubscriptionError extends SluiceError {
  constructor(group: string, refusal = 'members cannot join it. Use another group name') {
    super('GROUP_HAS_SUBSCRIPTION', `Group '${group}' delivers by push subscription; ${refusal}`, { group });
  }
}
