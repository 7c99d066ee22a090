import { Command, Option } from 'commander';
import { fileURLToPath } from 'node:url';
import { iamSigner } from '../../lib/client/iam-signer';
import type { GlobalOptions } from './common';
import { out } from './output';
import { integer } from './parsers';

/**
 * `sluice console`: the web console on this machine, against any Sluice API. A server on
 * 127.0.0.1 serves the console and passes its `/v1/*` calls on to `--url`, signed with
 * SigV4 from the local AWS credentials (`--iam`) or with a bearer token, as `kubectl proxy`
 * does: credentials never reach the browser. The server and the console's files are
 * loaded when the command runs, so every other command starts without them (the signer is
 * the client's, loaded by every command already; the credential chain is loaded on first use).
 */

/** A fixed default port, so the console's address (and the tab's stored token) stays the same between runs. */
export const CONSOLE_DEFAULT_PORT = 8790;

/**
 * Where the packaged CLI keeps the prebuilt console: `console/` beside `bin/` (this module
 * is bundled into bin/sluice.js; infra/packages/build-cli.ts writes the files). From the
 * repository the path does not exist and the console is built from lib/console.
 */
const PACKAGED_CONSOLE_DIR = new URL('../console/', import.meta.url);

export interface ConsoleOptions {
  port: number;
  iam?: boolean;
}

type AuthKind = 'none' | 'token' | 'iam';

/** How the proxy authenticates, from the global options and `--iam`. */
export function consoleAuth(globals: GlobalOptions, opts: ConsoleOptions): AuthKind | string {
  if (opts.iam || globals.auth === 'iam') return 'iam';
  if (globals.auth === 'token' && !globals.token) return '--auth token needs --token (or SLUICE_TOKEN)';
  return globals.token ? 'token' : 'none';
}

/** The region of an API Gateway URL (`<id>.execute-api.<region>.amazonaws.com`), so --iam needs no --region for one. */
export function regionOfApiUrl(url: string): string | undefined {
  return /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$/.exec(new URL(url).hostname)?.[1];
}

export function consoleCommand(program: Command): Command {
  const globals = (): GlobalOptions => program.opts<GlobalOptions>();
  return new Command('console')
    .copyInheritedSettings(program)
    .description('serve the web console on 127.0.0.1 against the API at --url, signing its calls with your credentials (like kubectl proxy)')
    .addOption(new Option('--port <n>', 'the local port (0 picks a free one)').argParser(integer(0, 65_535)).default(CONSOLE_DEFAULT_PORT))
    .option('--iam', 'sign every call with SigV4 from the standard AWS credential chain (same as --auth iam)')
    .addHelpText(
      'after',
      `
The console's API calls go to this machine's server, which sends them on to --url:
signed with SigV4 (--iam or --auth iam; the region from --region, AWS_REGION or the
execute-api URL), with "authorization: Bearer <token>" (--token or SLUICE_TOKEN), or as
they are (the console's own token field then applies). It listens on 127.0.0.1 only and
answers only requests addressed to it from its own pages. Ctrl-C stops it.

Examples:
  sluice console --url https://abc123.execute-api.eu-west-1.amazonaws.com --iam
  SLUICE_TOKEN=$JWT sluice console --url https://api.example.com
  sluice --json console --port 0`,
    )
    .action(async (opts: ConsoleOptions, command: Command) => {
      const g = globals();
      const kind = consoleAuth(g, opts);
      if (kind !== 'none' && kind !== 'token' && kind !== 'iam') return command.error(`error: ${kind}`, { exitCode: 2, code: 'sluice.missingToken' });
      const region = g.region ?? process.env.AWS_DEFAULT_REGION ?? regionOfApiUrl(g.url);
      if (kind === 'iam' && !region) return command.error('error: --iam needs the API\'s region: --region, AWS_REGION, or an execute-api URL', { exitCode: 2, code: 'sluice.missingRegion' });
      await runConsole({ ...g, region }, opts, kind);
    });
}

async function runConsole(globals: GlobalOptions, opts: ConsoleOptions, kind: AuthKind): Promise<void> {
  const [{ ConsoleProxyError, startConsoleProxy }, assets] = await Promise.all([import('../../infra/console/console-proxy'), loadAssets()]);
  let auth: import('../../infra/console/console-proxy').ProxyAuth = { kind: 'none' };
  if (kind === 'token') auth = { kind, token: globals.token! };
  if (kind === 'iam') {
    const signer = iamSigner({ region: globals.region });
    // Signing once now resolves the credential chain: missing credentials fail here, not on every call.
    await signer({ method: 'GET', url: `${globals.url}/v1/topics`, headers: {} }).catch((error: Error) => {
      throw new ConsoleProxyError('NO_CREDENTIALS', `--iam found no AWS credentials to sign with: ${error.message}`);
    });
    auth = { kind, signer };
  }
  const proxy = await startConsoleProxy({ upstream: globals.url, port: opts.port, auth, assets, log: (line) => process.stderr.write(`sluice console: ${line}\n`) });
  const how = { none: 'as sent', token: 'with the bearer token', iam: 'signed with SigV4' }[kind];
  await out(
    globals.json
      ? `${JSON.stringify({ url: proxy.consoleUrl, proxy: proxy.url, api: globals.url, auth: kind })}\n`
      : `Sluice console at ${proxy.consoleUrl}\nIts API calls go to ${globals.url} ${how}. Ctrl-C stops it.\n`,
  );
  await new Promise<void>((done) => {
    process.once('SIGINT', () => done());
    process.once('SIGTERM', () => done());
  });
  await proxy.close();
}

/** The packaged console if this is the packaged CLI, else built from lib/console (once, now: a broken build fails at start). */
async function loadAssets(): Promise<() => Promise<import('../../infra/console/build-console').ConsoleAssets>> {
  const { hasConsoleAssets, readConsoleAssets } = await import('../../infra/console/console-assets-dir');
  const dir = fileURLToPath(PACKAGED_CONSOLE_DIR);
  if (hasConsoleAssets(dir)) {
    const assets = readConsoleAssets(dir);
    return async () => assets;
  }
  const { buildConsoleAssets } = await import('../../infra/console/build-console');
  const built = await buildConsoleAssets();
  return async () => built;
}
