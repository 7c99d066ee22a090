import type { FuzzOptions } from './runner';
import { integerArg } from '../support/cli-args';

export type CliOptions = Omit<FuzzOptions, 'onProgress'> & {
  readonly showFailures: number;
  /** Where the JSON report with every kept failure's full request goes. */
  readonly outDir: string;
  /** Print the handlers' own log lines, not only their errors. */
  readonly verbose: boolean;
};

export const DEFAULT_OPTIONS: CliOptions = {
  requests: 10_000,
  seed: 1,
  concurrency: 4,
  checkEvery: 500,
  nobodyShare: 0.15,
  keepFailures: 200,
  showFailures: 10,
  outDir: 'bench-results',
  verbose: false,
};

const USAGE = `usage: npm run check:fuzz -- [options]
  --requests N      invalid requests to send (default ${DEFAULT_OPTIONS.requests})
  --seed N          seed of the generator (default: random; printed)
  --concurrency N   requests in flight (default ${DEFAULT_OPTIONS.concurrency})
  --check-every N   requests between state snapshots (default ${DEFAULT_OPTIONS.checkEvery})
  --nobody PERCENT  share sent by a principal without ACL rules (default ${DEFAULT_OPTIONS.nobodyShare * 100})
  --failures N      failures to print (default ${DEFAULT_OPTIONS.showFailures}; the JSON report keeps ${DEFAULT_OPTIONS.keepFailures})
  --out DIR         where the JSON report goes (default ${DEFAULT_OPTIONS.outDir})
  --verbose         print the handlers' log lines (INFO and up; otherwise only errors)
`;

export function usage(): string {
  return USAGE;
}

export function parseOptions(argv: readonly string[], random: () => number = Math.random): CliOptions | 'help' {
  const options: { -readonly [K in keyof CliOptions]: CliOptions[K] } = { ...DEFAULT_OPTIONS, seed: 1 + Math.floor(random() * (2 ** 31 - 2)) };
  const int = integerArg;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = () => argv[++i];
    switch (arg) {
      case '--requests':
        options.requests = int(arg, next(), 1, 10_000_000);
        break;
      case '--seed':
        options.seed = int(arg, next(), 0, 2 ** 31 - 1);
        break;
      case '--concurrency':
        options.concurrency = int(arg, next(), 1, 64);
        break;
      case '--check-every':
        options.checkEvery = int(arg, next(), 1, 10_000_000);
        break;
      case '--nobody':
        options.nobodyShare = int(arg, next(), 0, 100) / 100;
        break;
      case '--failures':
        options.showFailures = int(arg, next(), 0, 10_000);
        options.keepFailures = Math.max(options.keepFailures, options.showFailures);
        break;
      case '--out':
        options.outDir = next() ?? options.outDir;
        break;
      case '--verbose':
        options.verbose = true;
        break;
      case '--help':
      case '-h':
        return 'help';
      default:
        throw new Error(`unknown argument '${arg}' (try --help)`);
    }
  }
  return options;
}
