import {
  ProvisionedThroughputExceededException,
  ThrottlingException,
  TransactionCanceledException,
  type CancellationReason,
} from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SluiceContext } from '../../lib/core/context';

/** The faults a safety run injects; each can be switched off. */
export const FAULT_KINDS = [
  'crash-before-commit',
  'crash-after-commit',
  'concurrent-retry',
  'lost-response',
  'zombie-producer',
  'zombie-member',
  'throttle',
  'contention',
  'redelivery',
  'emulator-restart',
  'watch-loss',
  'compaction-crash',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/**
 * The faults each workload can inject: the compacted one has no group members (zombie
 * members, watch losses and stream redelivery have nothing to act on) and the standard one
 * no compaction runs to crash.
 */
export const WORKLOAD_FAULTS: Record<'standard' | 'compacted', readonly FaultKind[]> = {
  standard: FAULT_KINDS.filter((kind) => kind !== 'compaction-crash'),
  compacted: FAULT_KINDS.filter((kind) => !['zombie-member', 'watch-loss', 'redelivery'].includes(kind)),
};

export const FAULT_DESCRIPTIONS: Record<FaultKind, string> = {
  'crash-before-commit': 'produce dies after its S3 write, before the TransactWriteItems is sent (lib produce, wrapped context)',
  'crash-after-commit': 'produce commits but the client never sees the reply, then retries (lib produce, reply hidden)',
  'concurrent-retry': 'a client that gave up waiting sends the same call again while the first is still in flight (HTTP, both at once)',
  'lost-response': 'DynamoDB commits a produce transaction but the SDK sees a connection reset, so it retries it with the same ClientRequestToken (client middleware); with Kafka clients, also a Produce response lost after its commit by the proxy in front of the gateway (the connection closes)',
  'zombie-producer': 're-init of a producer name while the old instance keeps sending (HTTP and lib)',
  'zombie-member': 'a member stops heartbeating until its lease lapses, then commits with its old generation (HTTP)',
  'throttle': 'storms of ProvisionedThroughputExceeded/Throttling (SDK retries), throttled transactions and unprocessed keys (Sluice retries), in a client middleware',
  'contention': 'storms of extra writers on one partition: ConditionalCheckFailed cancellations of the commit',
  'redelivery': 'the coordinate-groups trigger re-run from TRIM_HORIZON (every Groups stream record again), and its last batch once more',
  'emulator-restart': 'DynamoDB Local stopped and restarted on the same port and data directory mid-run',
  'watch-loss': "a group member's watch connection (members wait at the tail on it) loses its next two ready notices, repeats the next one, or is closed (client side)",
  'compaction-crash':
    'a compactLog run dies at one of its first transactions (a swap, or the release of an item a swap covered), before sending it or after DynamoDB applied it, and every storage call it makes afterwards fails but giving its leases back, which stands for them running out (compacted workload)',
};

/** What was actually injected (or, for contention, observed): a count per kind and finer details. */
export class FaultCounters {
  readonly injected = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
  readonly details: Record<string, number> = {};

  count(kind: FaultKind, n = 1): void {
    this.injected[kind] += n;
  }

  detail(name: string, n = 1): void {
    this.details[name] = (this.details[name] ?? 0) + n;
  }
}

export class SimulatedCrash extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimulatedCrash';
  }
}

type Send = (...args: unknown[]) => Promise<unknown>;

/** A context whose DynamoDB client runs `before` ahead of each TransactWriteItems; `before` may throw to stand for a crash. */
function aroundCommit(base: SluiceContext, before: () => Promise<void>): SluiceContext {
  const ddb = new Proxy(base.ddb, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver);
      return async (command: unknown, ...rest: unknown[]) => {
        if (command instanceof TransactWriteCommand) await before();
        return (target.send as Send).call(target, command, ...rest);
      };
    },
  });
  return { ...base, ddb };
}

/** The context of a produce call whose process dies when it reaches the commit: the transaction is never sent. */
export function crashingBeforeCommit(base: SluiceContext, onCrash: () => void): SluiceContext {
  return aroundCommit(base, async () => {
    onCrash();
    throw new SimulatedCrash('the producer died after writing its object, before sending the commit');
  });
}

/** The context of a produce call whose commit is held until `fence` has run (a newer producer epoch initialised). */
export function fencedBeforeCommit(base: SluiceContext, fence: () => Promise<void>): SluiceContext {
  let fenced = false;
  return aroundCommit(base, async () => {
    if (fenced) return;
    fenced = true;
    await fence();
  });
}

/**
 * The context of a compaction run that dies at its `at`-th Log-table transaction (a swap, or
 * the release of an item a swap covered): `before` throws instead of sending it (a swap's new
 * object is written but nothing names it), `after` sends it and then throws (a group is
 * swapped in but its covered items are not released, the replaced object is retired but not
 * deleted). From then on every DynamoDB and S3 call of the run fails, as a dead process makes
 * none, but one: giving a partition's lease back without recording progress, which stands for
 * the lease running out (a dead run's leases would otherwise keep its partitions from the
 * other runs for the rest of a short safety run).
 */
export function crashingCompaction(base: SluiceContext, crash: { stage: 'before' | 'after'; at: number }, onCrash: () => void): SluiceContext {
  let dead = false;
  let transactions = 0;
  const die = () => {
    dead = true;
    onCrash();
    return new SimulatedCrash(`the compaction run died ${crash.stage} sending its transaction ${crash.at}`);
  };
  const ddb = new Proxy(base.ddb, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver);
      return async (command: unknown, ...rest: unknown[]) => {
        if (dead && !isBareLeaseRelease(command)) throw new SimulatedCrash('the compaction run is dead');
        if (dead || !(command instanceof TransactWriteCommand) || ++transactions < crash.at) return (target.send as Send).call(target, command, ...rest);
        if (crash.stage === 'before') throw die();
        await (target.send as Send).call(target, command, ...rest);
        throw die();
      };
    },
  });
  const s3 = new Proxy(base.s3, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver);
      return async (...args: unknown[]) => {
        if (dead) throw new SimulatedCrash('the compaction run is dead');
        return (target.send as Send).call(target, ...args);
      };
    },
  });
  return { ...base, ddb, s3 };
}

/** releaseCompactionLease without a state: the lease goes, nothing else changes (lib/store/compaction-state-store.ts). */
function isBareLeaseRelease(command: unknown): boolean {
  return command instanceof UpdateCommand && command.input.UpdateExpression === 'REMOVE leaseId, leaseUntil';
}

/** Switches the DynamoDB middleware reads on every request. */
export interface StormState {
  /** Probability that a DynamoDB request is throttled while a throttle storm is on. */
  throttleRate: number;
  throttling: boolean;
  /** Probability that a produce commit's response is lost after DynamoDB applied it (0 = off). */
  lostResponseRate: number;
  /** Produce commits whose response is lost for sure, one each, before the random ones. */
  lostResponsesForced: number;
}

/**
 * Installs fault middleware on the SDK client the handlers and the lib calls share
 * (the real client: requests that are not faulted go to DynamoDB Local unchanged).
 *
 * - At `initialize`, while a storm is on: a Log-table TransactWriteItems is cancelled
 *   with a `ThrottlingError` reason, and a BatchGetItem answers every key unprocessed,
 *   both without sending anything, so Sluice's own retry loops run.
 * - At `finalizeRequest`, inside the SDK's retry loop, while a storm is on: a request
 *   is refused with ProvisionedThroughputExceededException or ThrottlingException
 *   before it is sent, so the SDK's throttling retries run (and, if they run out, the
 *   caller sees the error).
 * - Always: a commit cancelled by DynamoDB with `ConditionalCheckFailed` is counted
 *   (contention between writers), as is every throttle injected.
 */
export function installDynamoFaults(
  ddb: DynamoDBDocumentClient,
  logTable: string,
  storm: StormState,
  counters: FaultCounters,
  random: () => number,
): void {
  const stack = ddb.middlewareStack;
  stack.add(
    (next, context) => async (args) => {
      if (storm.throttling && random() < storm.throttleRate / 2) {
        const input = args.input as { TransactItems?: Record<string, { TableName?: string }>[]; RequestItems?: unknown };
        if (context.commandName === 'TransactWriteItemsCommand' && input.TransactItems?.some((i) => Object.values(i)[0]?.TableName === logTable)) {
          counters.count('throttle');
          counters.detail('throttle.transaction-cancelled');
          const reasons: CancellationReason[] = input.TransactItems.map(() => ({ Code: 'None' }));
          reasons[reasons.length - 1] = { Code: 'ThrottlingError', Message: 'Throughput exceeds the current capacity for one or more global secondary indexes.' };
          throw new TransactionCanceledException({
            message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`,
            $metadata: {},
            CancellationReasons: reasons,
          });
        }
        if (context.commandName === 'BatchGetItemCommand' && input.RequestItems) {
          counters.count('throttle');
          counters.detail('throttle.unprocessed-keys');
          return { output: { Responses: {}, UnprocessedKeys: input.RequestItems, $metadata: {} } as never, response: undefined };
        }
      }
      return next(args);
    },
    { step: 'initialize', name: 'safetySluiceLevelThrottle', override: true },
  );
  const lostOnce = new WeakSet<object>();
  stack.add(
    (next, context) => async (args) => {
      if (lostOnce.has(context)) counters.detail('lost-response.sdk-retries');
      if (storm.throttling && random() < storm.throttleRate) {
        counters.count('throttle');
        const provisioned = random() < 0.5;
        counters.detail(provisioned ? 'throttle.provisioned-throughput-exceeded' : 'throttle.throttling-exception');
        throw provisioned
          ? new ProvisionedThroughputExceededException({ message: 'Injected: the level of configured provisioned throughput for the table was exceeded', $metadata: {} })
          : new ThrottlingException({ message: 'Injected: rate of requests exceeds the allowed throughput', $metadata: {} });
      }
      try {
        const result = await next(args);
        const input = args.input as { TransactItems?: Record<string, { TableName?: string }>[] };
        const isCommit = context.commandName === 'TransactWriteItemsCommand' && input.TransactItems?.some((i) => Object.values(i)[0]?.TableName === logTable);
        const forced = isCommit && storm.lostResponsesForced > 0 && !lostOnce.has(context);
        if (forced) storm.lostResponsesForced--;
        if (isCommit && (forced || (storm.lostResponseRate > 0 && random() < storm.lostResponseRate))) {
          // DynamoDB applied it; the answer never arrives. The SDK retries with the same token.
          counters.count('lost-response');
          lostOnce.add(context);
          throw Object.assign(new Error('Injected: socket hang up after the request was sent'), { code: 'ECONNRESET', $metadata: {} });
        }
        return result;
      } catch (error) {
        const reasons = (error as { CancellationReasons?: CancellationReason[] }).CancellationReasons;
        if ((error as Error).name === 'TransactionCanceledException' && reasons?.some((r) => r.Code === 'ConditionalCheckFailed')) {
          counters.detail('contention.conditional-check-failed');
        }
        if ((error as Error).name === 'TransactionCanceledException' && reasons?.some((r) => r.Code === 'TransactionConflict')) {
          counters.detail('contention.transaction-conflict');
        }
        throw error;
      }
    },
    { step: 'finalizeRequest', priority: 'low', name: 'safetySdkLevelThrottle', override: true },
  );
}
