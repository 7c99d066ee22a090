import { ERROR_CODES, type ErrorCode } from './error-codes';

/**
 * Every error Sluice reports to a client. The `code` is stable and part of the
 * API contract; `status` is the HTTP status; `retriable` tells clients whether
 * sending the same request again can succeed.
 *
 * The base class and the errors of decoding stored batches live here, in the contract,
 * because the client decodes batches too (lib/protocol/record-batch-decoding.ts): one
 * class, whichever side finds the problem. The server's other errors extend it in
 * lib/core/errors.ts, which re-exports these.
 */
export interface ErrorDetails {
  field?: string;
  limit?: number | string;
  [key: string]: unknown;
}

export class SluiceError extends Error {
  /** HTTP status and retriability come from the one error table, by code. */
  readonly status: number;
  readonly retriable: boolean;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetails = {},
  ) {
    super(message);
    this.name = new.target.name;
    this.status = ERROR_CODES[code].status;
    this.retriable = ERROR_CODES[code].retriable;
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, retriable: this.retriable, ...this.details };
  }
}

/** A record in storage failed to decode: the object is corrupt or of an unknown version. */
export class CorruptRecordError extends SluiceError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('CORRUPT_RECORD', message, details);
  }
}

/** A record cannot be shown in the requested encoding (for example, bytes that are not UTF-8). */
export class UndecodableRecordError extends SluiceError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('UNDECODABLE_RECORD', message, details);
  }
}

/** This runtime lacks a compression codec a batch needs (zstd before Node 22.15); a newer runtime can read or write it. */
export class CompressionUnsupportedError extends SluiceError {
  constructor(compression: string, reason: string) {
    super('COMPRESSION_UNSUPPORTED', `Compression '${compression}' is not available in this runtime: ${reason}`, {
      compression,
    });
  }
}
