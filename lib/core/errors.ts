import { type ErrorDetails, SluiceError } from '../protocol/sluice-error';

/**
 * Every error Sluice reports to a client: SluiceError, from the wire contract
 * (lib/protocol/sluice-error.ts, with the errors the client meets too when it decodes
 * stored batches), and the server's own kinds below.
 */
export { CompressionUnsupportedError, CorruptRecordError, type ErrorDetails, SluiceError, UndecodableRecordError } from '../protocol/sluice-error';

export class ValidationError extends SluiceError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('INVALID_REQUEST', message, details);
  }
}

export class PayloadTooLargeError extends SluiceError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('PAYLOAD_TOO_LARGE', message, details);
  }
}

/** A request body in a content coding the API does not decode. */
export class UnsupportedContentEncodingError extends SluiceError {
  constructor(encoding: string) {
    super('UNSUPPORTED_CONTENT_ENCODING', `content-encoding: '${encoding}' is not supported; send gzip or identity`, {
      field: 'content-encoding',
      supported: ['gzip', 'identity'],
    });
  }
}

export class RouteNotFoundError extends SluiceError {
  constructor(method: string, path: string) {
    super('ROUTE_NOT_FOUND', `No route for ${method} ${path}`);
  }
}

/** A known path asked with a method it does not serve; `allow` lists the ones it does (also sent as `Allow`). */
export class MethodNotAllowedError extends SluiceError {
  constructor(method: string, path: string, readonly allow: readonly string[]) {
    super('METHOD_NOT_ALLOWED', `${path} does not accept ${method}; it accepts ${allow.join(', ')}`, { method, allow: [...allow] });
  }
}

export class TopicNotFoundError extends SluiceError {
  constructor(topic: string) {
    super('TOPIC_NOT_FOUND', `Topic '${topic}' does not exist`, { topic });
  }
}

export class TopicExistsError extends SluiceError {
  constructor(topic: string) {
    super('TOPIC_EXISTS', `Topic '${topic}' already exists`, { topic });
  }
}

export class PartitionNotFoundError extends SluiceError {
  constructor(topic: string, partition: number, partitions: number) {
    super('PARTITION_NOT_FOUND',
      `Topic '${topic}' has partitions 0..${partitions - 1}; partition ${partition} does not exist`,
      { topic, partition, partitions },
    );
  }
}

export class OffsetOutOfRangeError extends SluiceError {
  constructor(offset: number, logStartOffset: number, highWatermark: number) {
    super('OFFSET_OUT_OF_RANGE',
      `Offset ${offset} is out of range; valid offsets are ${logStartOffset}..${highWatermark} (the high watermark)`,
      { offset, logStartOffset, highWatermark },
    );
  }
}

/** Too many concurrent commits to the same partitions; the caller may retry. */
export class CommitContendedError extends SluiceError {
  constructor(attempts: number) {
    super('COMMIT_CONTENDED', `Could not commit after ${attempts} attempts under contention; retry the request`, {
      attempts,
    });
  }
}

export class InternalError extends SluiceError {
  constructor(message = 'Internal error') {
    super('INTERNAL', message);
  }
}

/**
 * A live fetch (server-sent events) asked of a platform that cannot stream a response:
 * API Gateway's HTTP API buffers a Lambda function's whole answer. Answered at once,
 * never held open.
 */
export class StreamingNotSupportedError extends SluiceError {
  /** `streamUrl`: the same request at the deployed live-read URL (a response-streaming Lambda function URL), when there is one. */
  constructor(streamUrl?: string) {
    super(
      'STREAMING_NOT_SUPPORTED',
      streamUrl
        ? `Live reads (Accept: text/event-stream, live=sse) are not served by this HTTP API, which cannot stream a response: send the same request to the live-read URL in streamUrl (${streamUrl}), or long-poll here: fetch with waitMs (up to 20000) from each answer's nextOffset.`
        : 'Live reads (Accept: text/event-stream, live=sse) are not served here: this HTTP API cannot stream a response. Long-poll instead: fetch with waitMs (up to 20000) from each answer\'s nextOffset.',
      streamUrl ? { streamUrl } : {},
    );
  }
}

/** The commit may or may not have happened (an earlier attempt of it may have landed); retry idempotently to learn which. */
export class CommitOutcomeUnknownError extends SluiceError {
  constructor(message: string) {
    super('COMMIT_OUTCOME_UNKNOWN', message);
  }
}

/** AWS throttled or briefly failed after the SDK's own retries; nothing may be assumed done. */
export class ServiceBusyError extends SluiceError {
  constructor(cause: string) {
    super('SERVICE_BUSY', `The storage service is busy (${cause}); retry with backoff`);
  }
}
