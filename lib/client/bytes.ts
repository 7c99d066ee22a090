/**
 * Byte helpers for the client without Node's Buffer, so the client runs on any
 * runtime with `fetch`, `TextEncoder` and `atob` (browsers, Deno, Bun, workers).
 */

const encoder = new TextEncoder();

/** The length of `text` in UTF-8 (a lone surrogate counts 3, as U+FFFD), without encoding it. */
export function utf8ByteLength(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** A key as the bytes the server hashes: UTF-8 text, or base64 decoded (throws on invalid base64). */
export function keyBytes(key: string, encoding: 'utf8' | 'base64'): Uint8Array {
  if (encoding === 'utf8') return encoder.encode(key);
  const binary = atob(key);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
