import { SluiceError } from '../core/errors';

export class UnauthenticatedError extends SluiceError {
  constructor(message: string) {
    super('UNAUTHENTICATED', message);
  }
}

export class AccessDeniedError extends SluiceError {
  constructor(principal: string, operation: string, resourceType: string, resourceName: string) {
    super('ACCESS_DENIED',
      `Principal '${principal}' may not ${operation} ${resourceType.toLowerCase()} '${resourceName}'`,
      { principal, operation, resourceType, resourceName },
    );
  }
}

/** Over a byte-rate quota: retriable after `retryAfterSeconds` (also sent as Retry-After). */
export class QuotaExceededError extends SluiceError {
  constructor(principal: string, kind: 'produce' | 'fetch', bytesPerSecond: number, readonly retryAfterSeconds: number) {
    super('QUOTA_EXCEEDED',
      `Principal '${principal}' is over its ${kind} quota of ${bytesPerSecond} bytes/s; retry after ${retryAfterSeconds} s`,
      { principal, kind, limit: bytesPerSecond, retryAfterSeconds },
    );
  }
}

export class AclRuleNotFoundError extends SluiceError {
  constructor(ruleId: string) {
    super('ACL_NOT_FOUND', `No ACL rule '${ruleId}'`, { ruleId });
  }
}
