import type { Socket } from 'node:net';
import { API_VERSIONS } from '../messages/api-versions';
import { decodeRequestFrame, encodeResponseFrame, FRAME_SIZE_BYTES } from '../messages/frames';
import { KafkaDecodeError } from '../wire/decode-error';
import { unsupportedApiVersionsResponse } from './handlers/api-versions';
import { ROUTES } from './handlers/index';
import { authenticate } from './handlers/sasl';
import { AnswerThenClose, CloseConnection, NO_RESPONSE, type Session } from './session';

export interface ConnectionLimits {
  /** The largest frame accepted (the size field's value); a larger one closes the connection. */
  readonly maxFrameBytes: number;
  /** A connection with nothing in flight and no bytes for this long is closed. */
  readonly idleTimeoutMs: number;
  /** A frame must arrive whole within this long of its first byte (slow-loris), or the connection is closed. */
  readonly frameTimeoutMs: number;
  /** Requests handled at once per connection; past it the gateway stops reading until one is answered. */
  readonly maxInFlight: number;
}

const EMPTY = Buffer.alloc(0);

interface Pending {
  /** The response frame once ready; null while the handler runs. */
  frame: Buffer | null;
  /** Set when the connection closes once this frame is written (AnswerThenClose): why. */
  closeAfter?: string;
}

/**
 * One client connection: cuts the byte stream into frames (a big-endian int32 size,
 * then that many bytes), decodes each, runs its handler, and writes the responses in
 * request order although handlers run concurrently (Kafka clients match responses by
 * correlation id but expect them in order).
 *
 * Whatever the input, it never throws: a malformed frame, an oversized one, an unknown
 * API key, an unsupported version of anything but ApiVersions, a handler failure, an
 * idle connection or a frame trickled in too slowly each close this connection and no
 * other (a Kafka broker does the same for all of these).
 */
export class GatewayConnection {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private readonly pending: Pending[] = [];
  private idleTimer: NodeJS.Timeout | undefined;
  private frameTimer: NodeJS.Timeout | undefined;
  private paused = false;
  private closed = false;

  constructor(
    private readonly socket: Socket,
    private readonly session: Session,
    private readonly limits: ConnectionLimits,
    private readonly onClose: (connection: GatewayConnection) => void,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.guard(() => this.receive(chunk)));
    socket.on('error', (error) => this.close(`socket error: ${error.message}`, false));
    socket.on('close', () => this.close('closed by the client', false));
    // A client that does not read its answers is not read from either.
    socket.on('drain', () => this.guard(() => this.readFrames()));
    this.armIdle();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Closes the connection; in-flight handlers finish but their answers are dropped.
   * `lastFrame` is written first (the socket ends once it is flushed).
   */
  close(reason: string, log = true, lastFrame?: Buffer): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.idleTimer);
    clearTimeout(this.frameTimer);
    this.chunks = [];
    this.buffered = 0;
    this.pending.length = 0;
    if (log) this.session.log(`kafka ${this.session.remoteAddress}: closing: ${reason}`);
    if (lastFrame) this.socket.end(lastFrame, () => this.socket.destroy());
    else this.socket.destroy();
    this.onClose(this);
  }

  private guard(step: () => void): void {
    try {
      step();
    } catch (error) {
      this.close(`internal error: ${(error as Error).stack ?? String(error)}`);
    }
  }

  private receive(chunk: Buffer): void {
    if (this.closed) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    this.armIdle();
    this.readFrames();
  }

  private readFrames(): void {
    while (!this.closed && !this.saturated() && this.buffered >= FRAME_SIZE_BYTES) {
      const size = this.peekSize();
      if (size < 0 || size > this.limits.maxFrameBytes) {
        this.close(`a frame of ${size} bytes is over the limit of ${this.limits.maxFrameBytes}`);
        return;
      }
      if (this.buffered < FRAME_SIZE_BYTES + size) break;
      const frame = this.take(FRAME_SIZE_BYTES + size).subarray(FRAME_SIZE_BYTES);
      clearTimeout(this.frameTimer);
      this.frameTimer = undefined;
      this.dispatch(frame);
    }
    if (this.closed) return;
    this.setPaused(this.saturated());
    // A frame has begun and not ended: it must end within the frame timeout (while reading).
    if (this.buffered > 0 && !this.paused) {
      this.frameTimer ??= setTimeout(() => this.close(`a frame did not arrive whole within ${this.limits.frameTimeoutMs} ms`), this.limits.frameTimeoutMs);
    } else {
      clearTimeout(this.frameTimer);
      this.frameTimer = undefined;
    }
  }

  /** Too many requests in flight, or answers the client has not read: stop reading. */
  private saturated(): boolean {
    return this.pending.length >= this.limits.maxInFlight || this.socket.writableNeedDrain;
  }

  private setPaused(paused: boolean): void {
    if (paused === this.paused) return;
    this.paused = paused;
    if (paused) this.socket.pause();
    else this.socket.resume();
  }

  private peekSize(): number {
    if (this.chunks[0]!.length < FRAME_SIZE_BYTES) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!.readInt32BE(0);
  }

  /** The next `bytes` bytes, removed from the buffer (they are there). */
  private take(bytes: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const rest = all.subarray(bytes);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return all.subarray(0, bytes);
  }

  private dispatch(frame: Buffer): void {
    if (this.session.sasl.step === 'mechanism' && this.session.sasl.raw) return this.rawSasl(frame);
    let decoded: ReturnType<typeof decodeRequestFrame>;
    try {
      decoded = decodeRequestFrame(frame);
    } catch (error) {
      if (error instanceof KafkaDecodeError) return this.close(`malformed request: ${error.message}`);
      throw error;
    }
    if (decoded.kind === 'unknown-api') return this.close(`unknown API key ${decoded.prefix.apiKey}`);
    if (decoded.kind === 'unsupported-version') {
      const { api, prefix } = decoded;
      if (api.key !== API_VERSIONS.key) return this.close(`${api.name} v${prefix.apiVersion} is not supported (v${api.minVersion}-v${api.maxVersion})`);
      this.pending.push({ frame: encodeResponseFrame(API_VERSIONS, 0, prefix.correlationId, unsupportedApiVersionsResponse()) });
      return this.flush();
    }
    const { api, header, body } = decoded;
    const route = ROUTES.get(api.key);
    if (!route) return this.close(`no handler for ${api.name}`);
    const entry: Pending = { frame: null };
    this.pending.push(entry);
    route
      .handle(body, { session: this.session, header })
      .then((response) => {
        // Nothing is written for a request the protocol leaves unanswered; its turn passes.
        entry.frame = response === NO_RESPONSE ? EMPTY : encodeResponseFrame(api, header.apiVersion, header.correlationId, response);
        this.guard(() => this.flush());
      })
      .catch((error: unknown) => {
        if (error instanceof AnswerThenClose) {
          this.guard(() => {
            entry.frame = encodeResponseFrame(api, header.apiVersion, header.correlationId, error.response);
            entry.closeAfter = error.message;
            this.flush();
          });
        } else if (error instanceof CloseConnection) this.close(error.message);
        else this.close(`${api.name} v${header.apiVersion} failed: ${(error as Error)?.stack ?? String(error)}`);
      });
  }

  /**
   * After a SaslHandshake v0 the client's next frame is its bare PLAIN message, with no
   * request header. Success is answered by an empty server message (a size of 0);
   * failure closes the connection, the only refusal v0 has.
   */
  private rawSasl(message: Buffer): void {
    const outcome = authenticate(this.session, message);
    if (outcome.errorCode !== 0) return this.close(`SASL (v0 handshake) failed: ${outcome.message}`);
    this.pending.push({ frame: Buffer.alloc(FRAME_SIZE_BYTES) });
    this.flush();
  }

  /** Writes every answer whose turn has come, then reads on if it had paused. */
  private flush(): void {
    if (this.closed) return;
    while (this.pending.length > 0 && this.pending[0]!.frame !== null) {
      const { frame, closeAfter } = this.pending.shift()!;
      if (closeAfter !== undefined) return this.close(closeAfter, true, frame!);
      if (frame!.length > 0) this.socket.write(frame!);
    }
    this.armIdle();
    if (this.paused && !this.saturated()) this.readFrames();
  }

  private armIdle(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      // A request still being answered is not idleness.
      if (this.pending.length > 0) this.armIdle();
      else this.close(`idle for ${this.limits.idleTimeoutMs} ms`);
    }, this.limits.idleTimeoutMs);
  }
}
