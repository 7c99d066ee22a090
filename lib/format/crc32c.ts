// The checksum is the contract's (lib/protocol/crc32c.ts): the client checks stored batches too.
export { crc32c, hex } from '../protocol/crc32c';
