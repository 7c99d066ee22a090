import { StartupError } from './emulators/startup-error';
import { localConfigFromEnv } from './local-config';
import { LocalPlatform } from './local-platform';

/** `npm start`: runs Sluice locally until Ctrl-C. */
const log = (line: string) => console.log(`[sluice] ${line}`);

try {
  const config = localConfigFromEnv();
  const platform = await LocalPlatform.start(config, log);
  console.log(`
Sluice is running.
  API       ${platform.url}
  Watch     ${platform.watchUrl}${process.env.SLUICE_AUTH_MODE === 'token' ? '?token=<token>' : ''}  (WebSocket: wait at the tail, lib/protocol/watch.ts)
  Kafka     ${platform.kafka ? `${platform.kafka.bootstrapServer}  (bootstrap servers; produce, fetch, list offsets and consumer groups; create, delete and describe topics${process.env.SLUICE_AUTH_MODE === 'token' ? '; SASL/PLAIN with a token as the password' : ''})` : 'off (SLUICE_KAFKA_PORT=off)'}
  DynamoDB  ${platform.endpoints.dynamodb}
  S3        ${platform.endpoints.s3}
  data      ${config.dataDir ?? '(in memory)'}

Try:  curl -s -XPOST ${platform.url}/v1/topics -H 'content-type: application/json' -d '{"name":"demo","partitions":4}'
Stop with Ctrl-C.
`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    await platform.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
} catch (error) {
  console.error(`error: ${error instanceof StartupError ? error.message : String((error as Error).stack ?? error)}`);
  process.exit(1);
}
