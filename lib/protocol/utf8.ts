/**
 * The one strict UTF-8 decoder for stored and served bytes. `ignoreBOM: true` keeps a
 * leading U+FEFF: TextDecoder strips it by default (it is a byte-order mark at the
 * start of a document), but in a key, value or header it is data, and bytes must
 * round-trip exactly. Only TextDecoder, so the client may use it too.
 */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** `bytes` as UTF-8 text, exactly (a leading U+FEFF included); throws TypeError on bytes that are not UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string {
  return strictUtf8.decode(bytes);
}
