import { createServer, type Server, type Socket } from 'node:net';
import type { AuthConfig } from '../../auth/auth-config';
import type { SluiceContext } from '../../core/context';
import { GatewayConnection, type ConnectionLimits } from './connection';
import { DEFAULT_BATCH_BYTES, DEFAULT_LINGER_MS, ProduceBatcher, type BatchingSettings } from './produce-batcher';
import { GATEWAY_NODE_ID, initialCaller, type BrokerIdentity, type Session } from './session';

/** Kafka's socket.request.max.bytes is 100 MiB; Sluice's produce limits are far below, so 16 MiB. */
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;
/** Kafka's connections.max.idle.ms. */
export const DEFAULT_IDLE_TIMEOUT_MS = 10 * 60 * 1000;
/** A frame must arrive whole within this long of its first byte. */
export const DEFAULT_FRAME_TIMEOUT_MS = 30 * 1000;
/** Kafka clients pipeline at most 5 requests per connection by default (kafkajs, librdkafka, the Java client). */
export const DEFAULT_MAX_IN_FLIGHT = 32;

export interface KafkaGatewayOptions {
  readonly ctx: SluiceContext;
  readonly auth: AuthConfig;
  /** The interface to listen on. */
  readonly host: string;
  /** The port to listen on; 0 picks a free one. */
  readonly port: number;
  /** The host clients are told to connect to (Metadata's broker); defaults to `host`, or 127.0.0.1 for a wildcard. */
  readonly advertisedHost?: string;
  /** The port clients are told; defaults to the port listened on. */
  readonly advertisedPort?: number;
  readonly limits?: Partial<ConnectionLimits>;
  /** Cross-connection produce batching (produce-batcher.ts): window and size. */
  readonly batching?: Partial<BatchingSettings>;
  readonly log?: (line: string) => void;
}

/**
 * The Kafka gateway: a stateless TCP server speaking the Kafka protocol over Sluice's
 * stores through lib/ (docs/design.md, "Kafka gateway"). It presents itself as the only
 * broker, node 0, leader of every partition; any number can run side by side.
 */
export class KafkaGateway {
  private readonly connections = new Set<GatewayConnection>();

  private constructor(
    private readonly server: Server,
    readonly host: string,
    readonly port: number,
    readonly broker: BrokerIdentity,
    readonly limits: ConnectionLimits,
    /** Every connection's produce requests go through this one batcher. */
    readonly batcher: ProduceBatcher,
  ) {}

  static async start(options: KafkaGatewayOptions): Promise<KafkaGateway> {
    const limits: ConnectionLimits = {
      maxFrameBytes: options.limits?.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
      idleTimeoutMs: options.limits?.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
      frameTimeoutMs: options.limits?.frameTimeoutMs ?? DEFAULT_FRAME_TIMEOUT_MS,
      maxInFlight: options.limits?.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT,
    };
    const log = options.log ?? (() => undefined);
    const server = createServer({ noDelay: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : options.port;
    const wildcard = options.host === '0.0.0.0' || options.host === '::' || options.host === '';
    const broker: BrokerIdentity = {
      nodeId: GATEWAY_NODE_ID,
      host: options.advertisedHost ?? (wildcard ? '127.0.0.1' : options.host),
      port: options.advertisedPort ?? port,
    };
    const batcher = new ProduceBatcher(options.ctx, {
      lingerMs: options.batching?.lingerMs ?? DEFAULT_LINGER_MS,
      maxBytes: options.batching?.maxBytes ?? DEFAULT_BATCH_BYTES,
    });
    const gateway = new KafkaGateway(server, options.host, port, broker, limits, batcher);
    server.on('connection', (socket: Socket) => {
      try {
        const session: Session = {
          ctx: options.ctx,
          batcher,
          broker,
          auth: options.auth,
          sasl: { step: 'start' },
          caller: initialCaller(options.auth),
          remoteAddress: `${socket.remoteAddress}:${socket.remotePort}`,
          log,
        };
        gateway.connections.add(new GatewayConnection(socket, session, limits, (c) => gateway.connections.delete(c)));
      } catch (error) {
        log(`kafka: refusing a connection: ${(error as Error).message}`);
        socket.destroy();
      }
    });
    server.on('error', (error) => log(`kafka: server error: ${error.message}`));
    return gateway;
  }

  /** `host:port` clients bootstrap from. */
  get bootstrapServer(): string {
    return `${this.broker.host}:${this.broker.port}`;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Stops listening and closes every connection. */
  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const connection of [...this.connections]) connection.close('the gateway is stopping', false);
    await closed;
  }
}
