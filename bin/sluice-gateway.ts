/**
 * `npx sluice-gateway`: the Kafka gateway alone, against Sluice's tables and bucket, as
 * they are named in the environment the functions read (SLUICE_TOPICS_TABLE,
 * SLUICE_LOG_TABLE, SLUICE_PRODUCERS_TABLE, SLUICE_GROUPS_TABLE, SLUICE_ACCESS_TABLE,
 * SLUICE_BUCKET; AWS_REGION and the SDK's credentials and endpoints,
 * AWS_ENDPOINT_URL_DYNAMODB and AWS_ENDPOINT_URL_S3 for emulators), with the same
 * authentication settings (SLUICE_AUTH_MODE, …) and the gateway's own
 * (lib/kafka/gateway/config.ts: SLUICE_KAFKA_HOST, SLUICE_KAFKA_PORT, the advertised
 * address and the connection limits). Stateless: run as many as you like.
 */
import { authConfigFromEnv } from '../lib/auth/auth-config';
import { gatewaySettingsFromEnv } from '../lib/kafka/gateway/config';
import { KafkaGateway } from '../lib/kafka/gateway/server';
import { contextFromEnv } from '../lib/runtime/context-from-env';
import { BUCKET_ENV_VAR, TABLES } from '../lib/store/tables';

const log = (line: string) => console.log(`[sluice-gateway] ${line}`);

try {
  const missing = [...TABLES.map((table) => table.envVar), BUCKET_ENV_VAR].filter((name) => !process.env[name]);
  if (missing.length > 0) throw new Error(`set ${missing.join(', ')} (the names of the deployed tables and bucket; the stack's outputs list them)`);
  const settings = gatewaySettingsFromEnv();
  if (settings.port === undefined) throw new Error('SLUICE_KAFKA_PORT=off: nothing to run');
  const gateway = await KafkaGateway.start({
    ctx: contextFromEnv(),
    auth: authConfigFromEnv(),
    host: settings.host,
    port: settings.port,
    advertisedHost: settings.advertisedHost,
    advertisedPort: settings.advertisedPort,
    limits: settings.limits,
    batching: settings.batching,
    log,
  });
  log(`listening on ${settings.host}:${gateway.port}; clients bootstrap from ${gateway.bootstrapServer} (tables ${process.env[TABLES[0]!.envVar]}…, bucket ${process.env[BUCKET_ENV_VAR]})`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    await gateway.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
} catch (error) {
  console.error(`sluice-gateway: ${(error as Error).message}`);
  process.exit(1);
}
