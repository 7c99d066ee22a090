/**
 * `npm start`'s command line and the banner it prints once running. Every flag is a
 * shorthand for one of the environment variables `localConfigFromEnv` reads (README,
 * "Configuration"), so there is one source of settings; a flag wins over its variable.
 * An unknown flag is refused: a mistyped `--prot 9000` silently starting on 8780 is
 * worse than not starting.
 */

/** A command line `npm start` cannot follow; main prints the message and exits 2. */
export class StartUsageError extends Error {
  readonly code = 'START_USAGE';
  readonly retriable = false;
}

export type StartCommand = { help: true } | { help: false; env: Record<string, string> };

interface FlagSpec {
  variable: string;
  /** Undefined for a switch; else checks the value and answers it as the variable's value. */
  value?: (raw: string, flag: string) => string;
  /** A switch's value for its variable. */
  switchValue?: string;
  /** The value's name in the help, e.g. `<port>`. */
  arg?: string;
  describe: string;
}

const port = (raw: string, flag: string): string => {
  if (!/^\d+$/.test(raw) || Number(raw) > 65535) throw new StartUsageError(`${flag} must be a port number 0-65535 (0 picks a free one), got '${raw}'`);
  return String(Number(raw));
};

const FLAGS: Record<string, FlagSpec> = {
  '--port': { variable: 'SLUICE_PORT', value: port, arg: '<port>', describe: 'port of the HTTP API (default 8780; 0 picks a free one)' },
  '--host': { variable: 'SLUICE_HOST', value: nonEmpty, arg: '<address>', describe: 'address the API listens on (default 127.0.0.1)' },
  '--data-dir': { variable: 'SLUICE_DATA_DIR', value: nonEmpty, arg: '<dir>', describe: 'where the emulators keep data (default .sluice)' },
  '--in-memory': { variable: 'SLUICE_DATA_DIR', switchValue: '', describe: 'keep no data: DynamoDB in memory, S3 in a temporary directory' },
  '--dynamodb-port': { variable: 'SLUICE_DYNAMODB_PORT', value: port, arg: '<port>', describe: 'port of the embedded DynamoDB Local (default 8781)' },
  '--s3-port': { variable: 'SLUICE_S3_PORT', value: port, arg: '<port>', describe: 'port of the embedded S3 server (default 8782)' },
  '--kafka-port': { variable: 'SLUICE_KAFKA_PORT', value: (raw, flag) => (raw === 'off' ? raw : port(raw, flag)), arg: '<port|off>', describe: 'port of the Kafka gateway (default 9092; 0 a free one, off none)' },
  '--no-kafka': { variable: 'SLUICE_KAFKA_PORT', switchValue: 'off', describe: 'run no Kafka gateway (as --kafka-port off)' },
};

function nonEmpty(raw: string, flag: string): string {
  if (raw === '') throw new StartUsageError(`${flag} needs a value`);
  return raw;
}

/** Reads `npm start -- <args>`: `--flag value` or `--flag=value`, switches alone, `--help`/`-h`. */
export function parseStartArgs(args: readonly string[]): StartCommand {
  const env: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--help' || arg === '-h') return { help: true };
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const spec = FLAGS[name];
    if (!spec) {
      throw new StartUsageError(arg.startsWith('-') ? `unknown option '${name}'` : `unexpected argument '${arg}': npm start takes only options`);
    }
    if (!spec.value) {
      if (name !== arg) throw new StartUsageError(`${name} takes no value`);
      env[spec.variable] = spec.switchValue!;
      continue;
    }
    let raw: string | undefined;
    if (name !== arg) raw = arg.slice(eq + 1);
    else {
      raw = args[i + 1];
      if (raw === undefined || raw.startsWith('--')) throw new StartUsageError(`${name} needs a value`);
      i++;
    }
    env[spec.variable] = spec.value(raw, name);
  }
  return { help: false, env };
}

export const START_HELP = `Usage: npm start [-- options]

Runs Sluice locally (HTTP API, WebSocket watch, Kafka gateway, DynamoDB Local and an
S3 server) until Ctrl-C. Each option sets the environment variable in brackets, which
works as well; README, "Configuration", lists the others (auth tokens, CORS, ...).

Options:
${Object.entries(FLAGS)
  .map(([flag, spec]) => `  ${`${flag}${spec.arg ? ` ${spec.arg}` : ''}`.padEnd(26)}${spec.describe} [${spec.variable}${spec.value ? '' : `=${spec.switchValue === '' ? "''" : spec.switchValue}`}]`)
  .join('\n')}
  ${'--help, -h'.padEnd(26)}print this and exit

Example: npm start -- --port 9000 --in-memory --no-kafka`;

export interface BannerFacts {
  url: string;
  watchUrl: string;
  /** `host:port`, or undefined when no gateway runs. */
  kafkaBootstrap: string | undefined;
  dynamodb: string;
  s3: string;
  dataDir: string | undefined;
  /** SLUICE_AUTH_MODE as the platform settled it ('token' once SLUICE_AUTH_TOKEN(S) is set). */
  authMode: string | undefined;
  /** The principals of the configured tokens (`local` for SLUICE_AUTH_TOKEN). */
  tokenPrincipals: readonly string[];
}

/** What `npm start` prints once running: where everything is, how to point the CLI here, and whether auth is on. */
export function startBanner(facts: BannerFacts): string {
  const tokens = facts.authMode === 'token';
  const auth = tokens
    ? `on: bearer tokens for ${facts.tokenPrincipals.join(', ')}; ACLs apply (SLUICE_ADMIN_PRINCIPALS may do everything)`
    : facts.authMode && facts.authMode !== 'none'
      ? `${facts.authMode} (SLUICE_AUTH_MODE)`
      : 'off: every caller is anonymous and no ACLs apply (SLUICE_AUTH_TOKEN=<token> turns it on)';
  const kafka = facts.kafkaBootstrap
    ? `${facts.kafkaBootstrap}  (bootstrap servers; produce, fetch, list offsets and consumer groups; create, delete and describe topics${tokens ? '; SASL/PLAIN with a token as the password' : ''})`
    : 'off (SLUICE_KAFKA_PORT=off)';
  return `
Sluice is running.
  API       ${facts.url}
  Console   ${facts.url}/console/  (web console${tokens ? '; enter a token at the top right' : ''})
  Watch     ${facts.watchUrl}${tokens ? '?token=<token>' : ''}  (WebSocket: wait at the tail, lib/protocol/watch.ts)
  Kafka     ${kafka}
  DynamoDB  ${facts.dynamodb}
  S3        ${facts.s3}
  data      ${facts.dataDir ?? '(in memory)'}
  auth      ${auth}

Point the CLI at it (in another terminal):
  export SLUICE_URL=${facts.url}${tokens ? ' SLUICE_TOKEN=<token>' : ''}
  npx sluice topics list

Try:  curl -s -XPOST ${facts.url}/v1/topics -H 'content-type: application/json'${tokens ? " -H 'authorization: Bearer <token>'" : ''} -d '{"name":"demo","partitions":4}'
Stop with Ctrl-C.
`;
}
