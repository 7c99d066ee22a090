// The decoder is the contract's (lib/protocol/utf8.ts): the client decodes stored records too.
export { decodeUtf8 } from '../protocol/utf8';
