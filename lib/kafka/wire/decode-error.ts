/**
 * The one error the Kafka wire decoders throw: the bytes are short or malformed. The
 * gateway answers it by closing the connection (it cannot trust anything after it),
 * which is what a Kafka broker does with a request it cannot parse.
 */
export type KafkaDecodeErrorCode =
  /** A field needs more bytes than the frame has left. */
  | 'truncated'
  /** A length below -1 (or below 0 where null is not allowed). */
  | 'invalid-length'
  /** A length larger than what is left in the frame: refused before allocating anything. */
  | 'length-exceeds-frame'
  /** A varint longer than its type allows, or a value out of its type's range. */
  | 'invalid-varint'
  /** A string that is not valid UTF-8. */
  | 'invalid-utf8'
  /** A value the field cannot hold (a bool other than 0 or 1, a null where none is allowed, …). */
  | 'invalid-value'
  /** A record batch whose CRC-32C does not match its bytes (lib/kafka/records). */
  | 'checksum-mismatch'
  /** A record batch's compressed records that the codec cannot decompress, or that inflate past the bound. */
  | 'corrupt-compression'
  /** A record batch of a magic or compression codec the gateway does not read. */
  | 'unsupported-format';

export class KafkaDecodeError extends Error {
  override readonly name = 'KafkaDecodeError';

  constructor(
    readonly code: KafkaDecodeErrorCode,
    message: string,
    /** Byte offset in the frame where the bad field starts. */
    readonly offset: number,
  ) {
    super(`${message} (at byte ${offset})`);
  }
}
