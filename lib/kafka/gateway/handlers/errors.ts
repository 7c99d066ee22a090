import { AccessDeniedError, QuotaExceededError } from '../../../auth/auth-errors';
import { SluiceError } from '../../../core/errors';
import { transientStorageCause } from '../../../store/storage-errors';
import { KAFKA_ERRORS } from '../../error-codes';

/**
 * A lib/ error as a Kafka error code (for one partition's answer), with its message.
 * Sluice's codes map onto Kafka's closest meaning; what a client should retry stays
 * retriable (contention, busy stores, an unknown commit outcome: REQUEST_TIMED_OUT, as
 * a broker answers when it cannot say whether a write landed), and what it should not
 * does not (UNKNOWN_SERVER_ERROR for anything unexpected). A storage throttle, timeout or
 * refused connection once the SDK's retries are spent (lib/store/storage-errors, the HTTP
 * API's 503 SERVICE_BUSY) is REQUEST_TIMED_OUT too: clients retry it.
 */
export function kafkaErrorOf(error: unknown): { errorCode: number; message: string; throttleTimeMs?: number } {
  const message = (error as Error)?.message ?? String(error);
  if (error instanceof AccessDeniedError) return { errorCode: KAFKA_ERRORS.TOPIC_AUTHORIZATION_FAILED, message };
  if (error instanceof QuotaExceededError) return { errorCode: KAFKA_ERRORS.THROTTLING_QUOTA_EXCEEDED, message, throttleTimeMs: error.retryAfterSeconds * 1000 };
  if (error instanceof SluiceError) {
    switch (error.code) {
      case 'TOPIC_NOT_FOUND':
      case 'PARTITION_NOT_FOUND':
        return { errorCode: KAFKA_ERRORS.UNKNOWN_TOPIC_OR_PARTITION, message };
      case 'OFFSET_OUT_OF_RANGE':
        return { errorCode: KAFKA_ERRORS.OFFSET_OUT_OF_RANGE, message };
      // Idempotent producers (lib/log/produce-errors.ts): Kafka's own codes for the same refusals.
      case 'FENCED':
        return { errorCode: KAFKA_ERRORS.INVALID_PRODUCER_EPOCH, message };
      case 'OUT_OF_ORDER_SEQUENCE':
        return { errorCode: KAFKA_ERRORS.OUT_OF_ORDER_SEQUENCE_NUMBER, message };
      case 'DUPLICATE_SEQUENCE':
        return { errorCode: KAFKA_ERRORS.DUPLICATE_SEQUENCE_NUMBER, message };
      case 'UNKNOWN_PRODUCER':
        return { errorCode: KAFKA_ERRORS.UNKNOWN_PRODUCER_ID, message };
      case 'PRODUCER_ACCESS_DENIED':
        return { errorCode: KAFKA_ERRORS.CLUSTER_AUTHORIZATION_FAILED, message };
      case 'INVALID_REQUEST':
        return { errorCode: KAFKA_ERRORS.INVALID_RECORD, message };
      case 'CORRUPT_RECORD':
      case 'COMPRESSION_UNSUPPORTED':
        return { errorCode: KAFKA_ERRORS.KAFKA_STORAGE_ERROR, message };
      default:
        if (error.retriable) return { errorCode: KAFKA_ERRORS.REQUEST_TIMED_OUT, message };
    }
  }
  const transient = error instanceof Error ? transientStorageCause(error) : undefined;
  if (transient) return { errorCode: KAFKA_ERRORS.REQUEST_TIMED_OUT, message: `storage busy or unreachable (${transient}): ${message}` };
  return { errorCode: KAFKA_ERRORS.UNKNOWN_SERVER_ERROR, message };
}
