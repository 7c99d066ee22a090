import { FAULT_KINDS, type FaultKind } from './faults';
import { integerArg } from '../support/cli-args';

/**
 * standard: the log as written, read by direct readers and a consumer group, checked for
 * Jepsen's Kafka anomalies. compacted: a cleanup.policy=compact topic over a small key space
 * with tombstones, compacted over and over while producers and readers run, checked for
 * compaction's rules as well (compacted-checker.ts).
 */
export const WORKLOADS = ['standard', 'compacted'] as const;
export type Workload = (typeof WORKLOADS)[number];

/** The compacted workload's settings (ignored by the standard one). */
export interface CompactedOptions {
  /** Distinct keys, spread evenly over the partitions. */
  keys: number;
  /** The share of records that are tombstones (null values), in percent. */
  tombstonePercent: number;
  /** The topic's delete.retention.ms: how long a compacted tombstone stays. */
  deleteRetentionMs: number;
  /** About how often each of the two compactors runs compactLog during the run. */
  compactEveryMs: number;
}

export interface SafetyOptions {
  /** How long producers write. */
  seconds: number;
  /** Producers; even-numbered ones (p0, p2, ...) are idempotent. */
  producers: number;
  /** Consumers: the first third (at least one) read every partition directly, the rest are members of one group. */
  consumers: number;
  partitions: number;
  seed: number;
  faults: ReadonlySet<FaultKind>;
  /** Group members' session timeout; a zombie member stays silent this long and more. */
  sessionTimeoutMs: number;
  /** After the producers stop, how long readers get to reach the final high watermarks. */
  graceSeconds: number;
  outDir: string;
  verbose: boolean;
  /** kafkajs producers (one idempotent, one plain) through the Kafka gateway, and a kcat final read (kafka-clients.ts). */
  kafkaClients: boolean;
  workload: Workload;
  compacted: CompactedOptions;
}

export const DEFAULT_OPTIONS: SafetyOptions = {
  seconds: 60,
  producers: 4,
  consumers: 3,
  partitions: 4,
  seed: 1,
  faults: new Set(FAULT_KINDS),
  sessionTimeoutMs: 5000,
  graceSeconds: 30,
  outDir: 'bench-results',
  verbose: false,
  kafkaClients: true,
  workload: 'standard',
  compacted: { keys: 24, tombstonePercent: 20, deleteRetentionMs: 2000, compactEveryMs: 700 },
};

const USAGE = `usage: npm run check:safety -- [options]
  --seconds N       how long producers write (default ${DEFAULT_OPTIONS.seconds})
  --producers N     producers, every other one idempotent (default ${DEFAULT_OPTIONS.producers})
  --consumers N     consumers: a third read directly, the rest join a group (default ${DEFAULT_OPTIONS.consumers})
  --partitions N    partitions of the topic (default ${DEFAULT_OPTIONS.partitions})
  --seed N          seed of the workload's and the faults' choices (default: random)
  --faults LIST     comma-separated faults to inject, or all / none (default all)
  --without LIST    faults not to inject
  --grace N         seconds readers get to catch up after the producers stop (default ${DEFAULT_OPTIONS.graceSeconds})
  --out DIR         where the JSON report goes (default ${DEFAULT_OPTIONS.outDir})
  --no-kafka        no kafkajs producers through the Kafka gateway, no kcat final read
  --verbose         print the platform's log lines
  --workload NAME   standard, or compacted: a cleanup.policy=compact topic with tombstones,
                    compacted throughout the run (no group members and no Kafka clients;
                    consumers are tail readers and scanners that read from offset 0 again and again)
  --keys N          compacted: distinct keys over all partitions (default ${DEFAULT_OPTIONS.compacted.keys})
  --tombstones PCT  compacted: percent of records that are tombstones (default ${DEFAULT_OPTIONS.compacted.tombstonePercent})
  --delete-retention-ms N   compacted: the topic's delete.retention.ms (default ${DEFAULT_OPTIONS.compacted.deleteRetentionMs})
  --compact-every-ms N      compacted: about how often each of two compactors runs (default ${DEFAULT_OPTIONS.compacted.compactEveryMs})
faults: ${FAULT_KINDS.join(', ')} (each workload injects those that apply to it)
`;

export function parseOptions(argv: readonly string[], random: () => number = Math.random): SafetyOptions | 'help' {
  const options: SafetyOptions = { ...DEFAULT_OPTIONS, seed: 1 + Math.floor(random() * 1_000_000), faults: new Set(FAULT_KINDS), compacted: { ...DEFAULT_OPTIONS.compacted } };
  const int = integerArg;
  const faultList = (raw: string | undefined): FaultKind[] => {
    if (raw === undefined) throw new Error('a fault list is missing');
    if (raw === 'all') return [...FAULT_KINDS];
    if (raw === 'none' || raw === '') return [];
    return raw.split(',').map((name) => {
      if (!(FAULT_KINDS as readonly string[]).includes(name)) throw new Error(`unknown fault '${name}'; known: ${FAULT_KINDS.join(', ')}`);
      return name as FaultKind;
    });
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = () => argv[++i];
    switch (arg) {
      case '--seconds':
        options.seconds = int(arg, next(), 1, 3600);
        break;
      case '--producers':
        options.producers = int(arg, next(), 1, 64);
        break;
      case '--consumers':
        options.consumers = int(arg, next(), 1, 64);
        break;
      case '--partitions':
        options.partitions = int(arg, next(), 1, 32);
        break;
      case '--seed':
        options.seed = int(arg, next(), 0, 2 ** 31 - 1);
        break;
      case '--faults':
        options.faults = new Set(faultList(next()));
        break;
      case '--without':
        for (const f of faultList(next())) (options.faults as Set<FaultKind>).delete(f);
        break;
      case '--grace':
        options.graceSeconds = int(arg, next(), 1, 600);
        break;
      case '--out':
        options.outDir = next() ?? options.outDir;
        break;
      case '--verbose':
        options.verbose = true;
        break;
      case '--no-kafka':
        options.kafkaClients = false;
        break;
      case '--workload': {
        const name = next();
        if (!(WORKLOADS as readonly (string | undefined)[]).includes(name)) throw new Error(`unknown workload '${name}'; known: ${WORKLOADS.join(', ')}`);
        options.workload = name as Workload;
        break;
      }
      case '--keys':
        options.compacted.keys = int(arg, next(), 1, 10_000);
        break;
      case '--tombstones':
        options.compacted.tombstonePercent = int(arg, next(), 0, 100);
        break;
      case '--delete-retention-ms':
        options.compacted.deleteRetentionMs = int(arg, next(), 0, 3_600_000);
        break;
      case '--compact-every-ms':
        options.compacted.compactEveryMs = int(arg, next(), 10, 600_000);
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

export function usage(): string {
  return USAGE;
}

/** Direct readers and group members for a consumer count: a third (at least one) read directly. */
export function consumerSplit(consumers: number): { readers: number; members: number } {
  if (consumers === 1) return { readers: 1, members: 0 };
  const readers = Math.max(1, Math.floor(consumers / 3));
  return { readers, members: consumers - readers };
}
