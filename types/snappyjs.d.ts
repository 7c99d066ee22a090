/** snappyjs 0.7 ships no types: the two functions lib/kafka/records/compression.ts uses. */
declare module 'snappyjs' {
  const snappy: {
    /** Raw snappy (no framing). */
    compress(input: Uint8Array): Uint8Array;
    /** Throws when the block's declared length is past `maxLength`. */
    uncompress(input: Uint8Array, maxLength?: number): Uint8Array;
  };
  export default snappy;
}
