import { StartupError } from './emulators/startup-error';
import { localConfigFromEnv } from './local-config';
import { LocalPlatform } from './local-platform';
import { START_HELP, StartUsageError, parseStartArgs, startBanner } from './start-options';
import { authConfigFromEnv } from '../../lib/auth/auth-config';

/** `npm start`: runs Sluice locally until Ctrl-C. */
const log = (line: string) => console.log(`[sluice] ${line}`);

let command: ReturnType<typeof parseStartArgs>;
try {
  command = parseStartArgs(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof StartUsageError)) throw error;
  console.error(`error: ${error.message}\nSee npm start -- --help for the options.`);
  process.exit(2);
}
if (command.help) {
  console.log(START_HELP);
  process.exit(0);
}

try {
  // Flags are the environment variables' shorthands: set them where everything reads settings.
  Object.assign(process.env, command.env);
  const config = localConfigFromEnv();
  const platform = await LocalPlatform.start(config, log);
  const auth = authConfigFromEnv();
  console.log(
    startBanner({
      url: platform.url,
      watchUrl: platform.watchUrl,
      kafkaBootstrap: platform.kafka?.bootstrapServer,
      dynamodb: platform.endpoints.dynamodb,
      s3: platform.endpoints.s3,
      dataDir: config.dataDir,
      authMode: auth.mode,
      tokenPrincipals: [...new Set(auth.tokens.values())],
    }),
  );
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
