import { InternalError, ServiceBusyError, SluiceError } from '../core/errors';
import type { WatchErrorMessage } from '../protocol/watch';
import { transientStorageCause } from '../store/storage-errors';

/**
 * A refusal as the watch protocol sends it: the HTTP API's error body (code from the one
 * error table, message, retriable, field and limit), naming the partition when the
 * problem is one partition's.
 */
export function watchErrorOf(error: SluiceError, where: { topic?: string; partition?: number } = {}): WatchErrorMessage {
  const { code, message, retriable, field, limit } = error.toJSON() as WatchErrorMessage['error'];
  return {
    type: 'watch-error',
    ...(where.topic === undefined ? {} : { topic: where.topic }),
    ...(where.partition === undefined ? {} : { partition: where.partition }),
    error: { code, message, retriable, ...(field === undefined ? {} : { field }), ...(limit === undefined ? {} : { limit }) },
  };
}

/** Any error as a SluiceError: itself, SERVICE_BUSY for a transient storage failure, else INTERNAL (a fault of ours, to be logged). */
export function knownError(error: unknown): { known: SluiceError; unexpected: boolean } {
  if (error instanceof SluiceError) return { known: error, unexpected: false };
  const transient = transientStorageCause(error as Error);
  return transient ? { known: new ServiceBusyError(transient), unexpected: false } : { known: new InternalError(), unexpected: true };
}
