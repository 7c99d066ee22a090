/**
 * The `sluice` command line: manage topics, produce records and consume them, and
 * administer push subscriptions, ACLs and quotas, over the Sluice HTTP API
 * (docs/http-api.md). Run it with `npx sluice …` in this repository, or
 * `npm run sluice -- …`.
 */
import { Command, CommanderError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { PRODUCER_DEFAULTS } from '../lib/client/producer';
import { SluiceApiError, SluiceConnectionError } from '../lib/client/sluice-http-client';
import { ACL_OPERATIONS, ACL_RESOURCE_TYPES, type AclCreateOptions, CLUSTER_RESOURCE_NAME, createAcl, deleteAcl, listAcls } from './cli/acls';
import { DEFAULT_URL, type GlobalOptions, InputError, REQUEST_BODY_MAX_BYTES, notes } from './cli/common';
import { type ConsumeOptions, GROUP_ONLY_OPTIONS, consume } from './cli/consume';
import { consumeGroup } from './cli/consume-group';
import { type StartPosition, startPosition, stopPosition } from './cli/consume-positions';
import { type ResetOffsetsOptions, deleteGroup, deleteGroupOffsets, describeGroup, groupOffsets, listGroups, resetOffsets, resetTargetOf } from './cli/groups';
import { flushed } from './cli/output';
import { baseUrl, byteRate, collect, dateTime, integer, keyValue, lambdaArn, maxRecordAge, partitionList, pushSecret, separator, trimOffset, upperChoice, watchUrl } from './cli/parsers';
import { type ProduceOptions, produce, produceUsageError } from './cli/produce';
import { PRODUCE_FORMAT_HELP, parseFormat } from './cli/produce-format';
import { FORMAT_HELP, parseRecordFormat } from './cli/record-format';
import { type QuotaSetOptions, listQuotas, setQuota } from './cli/quotas';
import { type SubscribeOptions, describeSubscription, subscribe, unsubscribe } from './cli/subscription';
import { completionCommand } from './cli/completion';
import { consoleCommand } from './cli/console';
import { costCommand } from './cli/cost';
import { addPartitions, alterTopic, createTopic, deleteTopic, describeTopic, listTopics, topicOffsets, trimTopic } from './cli/topics';

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function buildProgram(): Command {
  const program = new Command('sluice');
  const globals = (): GlobalOptions => program.opts<GlobalOptions>();
  program
    .description('Manage topics, produce and consume records, push subscriptions, ACLs and quotas on a Sluice event log over its HTTP API.')
    .version(version())
    .addOption(
      new Option('--url <baseUrl>', 'the Sluice API base URL').env('SLUICE_URL').default(DEFAULT_URL).argParser(baseUrl),
    )
    .option('--json', 'machine-readable output: one JSON document (consume: one JSON object per line); errors as JSON on stderr')
    .addOption(
      new Option('--auth <mode>', 'how to authenticate: iam (SigV4 with the standard AWS credential chain), token (a bearer token) or none')
        .choices(['none', 'iam', 'token'])
        .env('SLUICE_AUTH')
        .default('none'),
    )
    .addOption(new Option('--token <token>', 'the bearer token for --auth token (implies it)').env('SLUICE_TOKEN'))
    .addOption(new Option('--region <region>', 'the API region for --auth iam').env('AWS_REGION'))
    .addOption(
      new Option('--watch-url <wsUrl>', "where consume --follow and --group wait for new records at the tail (the stack's WatchUrl output, or the local platform's ws://localhost:8780/v1/watch), instead of long-polling each partition")
        .env('SLUICE_WATCH_URL')
        .argParser(watchUrl),
    )
    .exitOverride()
    .configureOutput({
      outputError: (message, write) => {
        if (!globals().json) return write(message);
        const error = { code: 'USAGE_ERROR', message: message.replace(/^error: /, '').trim(), retriable: false };
        write(`${JSON.stringify({ error })}\n`);
      },
    })
    .addHelpText(
      'after',
      `
Errors print "error: <CODE>: <message>" to stderr and exit 1; usage errors exit 2.

Examples:
  sluice topics create orders --partitions 4 --config message.timestamp.type=LogAppendTime
  sluice topics alter orders --config retention.ms=86400000 --delete-config compression.type
  sluice topics add-partitions orders --count 8
  printf 'user-1:hello\\nuser-2:world\\n' | sluice produce orders --key-separator :
  sluice consume orders --from earliest --key-separator : --follow
  sluice consume orders --group billing --reset earliest --follow
  sluice groups describe billing
  sluice groups reset-offsets billing --topic orders --to-datetime 2026-12-07T10:00:00Z --dry-run
  sluice subscribe billing orders --https https://example.com/hook --batch-size 100
  sluice acls create --principal alice --resource-type topic --name orders --operation read --allow
  sluice quotas set alice --produce-bytes-per-second 1048576
  sluice cost --write-mib-per-second 1 --batch-records 500 --consumers 2
  sluice console --url https://abc123.execute-api.eu-west-1.amazonaws.com --iam
  source <(sluice completion bash)`,
    );

  const topics = program.command('topics').description('create, list, describe, alter and delete topics, add partitions, and show their offsets');
  topics
    .command('create <name>')
    .description('create a topic')
    .option('--partitions <n>', 'number of partitions, 1-256 (server default 1)', integer(1, 256))
    .option('--config <key=value>', 'a topic config entry; repeatable', collect(keyValue))
    .action((name: string, opts: { partitions?: number; config?: [string, string][] }) => createTopic(name, opts, globals()));
  topics
    .command('list')
    .description('list topics, sorted by name')
    .action(() => listTopics(globals()));
  topics
    .command('describe <name>')
    .description("show a topic and each partition's log start offset and high watermark")
    .action((name: string) => describeTopic(name, globals()));
  topics
    .command('offsets <name>')
    .description("show each partition's log start offset and high watermark")
    .action((name: string) => topicOffsets(name, globals()));
  topics
    .command('alter <name>')
    .description("change a topic's config: set keys, or delete them (back to the default)")
    .option('--config <key=value>', 'set a config key; repeatable', collect(keyValue))
    .option('--delete-config <key>', 'remove a config key; repeatable', collect((key: string) => key))
    .action((name: string, opts: { config?: [string, string][]; deleteConfig?: string[] }, command: Command) => {
      if (!opts.config && !opts.deleteConfig) command.error('error: give --config key=value, --delete-config key, or both', { exitCode: 2, code: 'sluice.nothingToAlter' });
      const both = (opts.config ?? []).find(([key]) => opts.deleteConfig?.includes(key));
      if (both) command.error(`error: config key '${both[0]}' is both set (--config) and deleted (--delete-config)`, { exitCode: 2, code: 'sluice.setAndDeleted' });
      return alterTopic(name, opts, globals());
    });
  topics
    .command('add-partitions <name>')
    .description('raise the partition count (only upwards); keyed records may map to other partitions afterwards')
    .requiredOption('--count <n>', 'the new total number of partitions, up to 256', integer(1, 256))
    .action((name: string, opts: { count: number }) => addPartitions(name, opts, globals()));
  topics
    .command('trim <name>')
    .description("delete records below an offset (Kafka's DeleteRecords): the log start moves there; storage is freed by the next retention run")
    .requiredOption('--offset <n>', "the new log start offset, or 'end' for the high watermark (deletes every record)", trimOffset)
    .option('--partition <n>', 'a partition to trim; repeatable (default: every partition)', collect(integer(0)))
    .action((name: string, opts: { offset: number; partition?: number[] }) => trimTopic(name, opts, globals()));
  topics
    .command('delete <name>')
    .description('delete a topic and all its records')
    .action((name: string) => deleteTopic(name, globals()));

  program
    .command('produce <topic> [values...]')
    .description('produce the values given, or else one record per line of stdin')
    .addOption(new Option('-k, --key <key>', 'the key of every record').conflicts('keySeparator'))
    .addOption(new Option('-K, --key-separator <sep>', 'split each value at the first <sep> into key and value ("\\t" means a tab)').argParser(separator).conflicts('format'))
    .addOption(new Option('-f, --format <format>', 'split each line by this format into key, value, headers, partition, timestamp (see below)').argParser(parseFormat))
    .addOption(new Option('--file <path>', 'send this whole file as one record ("-": all of stdin); repeatable').argParser(collect(String)).conflicts(['format', 'keySeparator', 'base64']))
    .option('-p, --partition <n>', 'send every record to this partition (default: by key, or one partition per call)', integer(0))
    .option('-H, --header <key=value>', 'a header on every record; repeatable', collect(keyValue))
    .option('--base64', 'values are base64 and sent as given (keys and headers stay text)')
    .option('-Z, --null-empty', 'send an empty value as null: a tombstone (kcat -Z)')
    .option('--tombstone', 'the same as --null-empty (rpk -Z)')
    .option('--batch-records <n>', 'at most this many records per call, 1-10000', integer(1, 10_000), PRODUCER_DEFAULTS.batchRecords)
    .option('--batch-bytes <n>', 'start a new call before the request body passes this size', integer(1, REQUEST_BODY_MAX_BYTES), PRODUCER_DEFAULTS.batchBytes)
    .option('--linger-ms <ms>', 'send a partial batch once its first record has waited this long', integer(0), 100)
    .option('--no-idempotence', 'produce without a producer id and sequence numbers (needs no WRITE on the cluster)')
    .option('--retries <n>', 'retries of a call that failed with a retriable error', integer(0), PRODUCER_DEFAULTS.retries)
    .addOption(new Option('--compression <codec>', "compress each call's request body on the wire").choices(['none', 'gzip']).default('none'))
    .option('--progress', 'show progress on stderr even when it is not a terminal')
    .addOption(new Option('--progress-interval-ms <ms>', 'no longer used: the progress display paces itself').argParser(integer(1)).hideHelp())
    .addHelpText(
      'after',
      `
Input: each value argument is one record; with --file, each file is one record, its
bytes exactly (at most 1 MiB); otherwise each line of stdin is one record (a trailing
"\\r" is dropped, an empty line is an empty value, or a tombstone with -Z). Lines are
streamed through the client's SluiceProducer: records are batched into calls of up
to --batch-records records or --batch-bytes bytes, one call in flight at a time, in
order; a partial batch goes out once its first record has waited --linger-ms.

Idempotent by default (as Kafka's producer): the CLI takes a producer id and epoch and
numbers records per partition, so a call retried after a lost answer is committed once.
Retriable errors (a lost connection, COMMIT_CONTENDED, a 429) are retried up to
--retries times with exponential backoff and jitter, honouring Retry-After.

--key-separator (-K, as kcat's): a line without the separator is an error naming its
line number. Every line before it is sent and committed, and nothing from it on.

--format (as rpk's): placeholders and the text between them; each placeholder runs to
the first occurrence of the text after it, the last one to the end of the line.
${PRODUCE_FORMAT_HELP}.
A line that does not match is an error, as for -K.
  printf 'k1\\tv1\\n' | sluice produce t -f '%k\\t%v'
  printf 'abc123 k1 hello world\\n' | sluice produce t -f '%h{trace} %k %v'
  sluice produce t --file photo.jpg -k photo-1 -H content-type=image/jpeg
  sluice produce t -k user-1 -Z --file /dev/null     # a tombstone for user-1

If a call fails for good, the calls before it stay committed and nothing after it is
sent; stderr says which lines were committed (and which are in doubt, if the answer
was lost), and with --json stdout still lists them.

Output: a summary of records, calls, each partition's offset range and the throughput;
with --json, {topic, count, calls, retries, elapsedMs, recordsPerSecond, valueBytes,
producer, partitions, records: [{partition, offset, timestamp}]}. Progress (records
and bytes committed, the rate, and on a terminal an ETA when stdin is a file) goes to
stderr when it is a terminal or with --progress, never to stdout; when a quota or a
retry holds the producer back, it says so ("throttled (QUOTA_EXCEEDED): retrying in 4 s").`,
    )
    .action((topic: string, values: string[], opts: ProduceOptions, command: Command) => {
      const usage = produceUsageError(values, opts);
      if (usage) command.error(`error: ${usage}`, { exitCode: 2, code: 'sluice.produceUsage' });
      return produce(topic, values, opts, globals());
    });

  program
    .command('consume [topics...]')
    .description('print the records of one or more topics, in offset order per partition; with --group, as a member of a consumer group')
    .option('-t, --topic <topic>', 'a topic to read, besides those given as arguments; repeatable', collect(String))
    .option('--partition <n>', 'read this partition of each topic; repeatable (default: every partition)', collect(integer(0)))
    .option('--from <where>', 'earliest (or beginning), latest (or end), an offset, -N (N records before the end of each partition) or @time (ISO 8601 or ms since the epoch: the first record at or after it)', startPosition, 'earliest' as StartPosition)
    .option('--to <where>', 'stop each partition before this offset, or at the first record at or after @time (default: its high watermark as of the start; with --follow, never)', stopPosition)
    .option('-c, --max-records <n>', 'stop after this many records in all', integer(1))
    .option('--follow', 'after catching up, keep waiting for new records until interrupted (Ctrl-C) or --to: on --watch-url if given, else by long-polling each partition')
    .option('--poll-interval-ms <ms>', 'no longer used: --follow waits on --watch-url or long-polls (accepted for old scripts)', integer(1), 1000)
    .option('--print-key', 'print each record\'s key before its value')
    .option('--print-timestamp', 'print each record\'s timestamp (ISO 8601) first')
    .option('--print-partition', 'print each record\'s partition')
    .option('--print-offset', 'print each record\'s offset')
    .option('--print-headers', 'print each record\'s headers as k1=v1,k2=v2')
    .option('--key-separator <sep>', 'between the printed fields (default a tab; "\\t" means a tab); implies --print-key', separator)
    .addOption(
      new Option('-f, --format <format>', `print each record by this format, as kcat's -f: ${FORMAT_HELP}; \\n, \\t, \\r, \\\\, \\xHH escapes, %% for %`)
        .argParser(parseRecordFormat)
        .conflicts(['printKey', 'printTimestamp', 'printPartition', 'printOffset', 'printHeaders', 'keySeparator']),
    )
    .option('--base64', 'print values as base64 (keys and headers as they are)')
    .option('--progress', 'show records, bytes and rate on stderr (default: when stderr is a terminal and stdout is not)')
    .option('--no-progress', 'never show progress')
    .addOption(
      new Option('--group <group>', 'consume as a member of this consumer group: its partitions, from its committed offsets').conflicts([
        'partition',
        'from',
        'to',
        'pollIntervalMs',
      ]),
    )
    .option('--session-timeout-ms <ms>', 'with --group: the member is dropped after this long without a heartbeat, 1000-300000', integer(1000, 300_000), 10_000)
    .addOption(new Option('--reset <policy>', "with --group: where a new group starts on partitions it never committed (the group's first member decides; server default latest)").choices(['earliest', 'latest']))
    .option('--commit-interval-ms <ms>', 'with --group: commit the offsets past the printed records this often (and on exit)', integer(0), 1000)
    .addOption(new Option('--assignor <name>', "with --group: the group's partition assignor, set by its first member (server default sticky)").choices(['sticky', 'range', 'roundrobin']))
    .option('--client-id <id>', 'with --group: prefix of the member id (server default "member")')
    .addHelpText(
      'after',
      `
Topics come as arguments, with -t, or both. As in kcat, -c and -f are --max-records
and --format, and --from takes kcat's beginning and end.

Without --follow, each partition is read
from the start offset up to its high watermark as it was when consume started (or
--to, whichever comes first), then consume exits, as kcat -e does. Partitions are
read one after another. Each record prints as its value's bytes, one per line (a null
value prints as an empty line), after the fields asked for with --print-* (timestamp,
partition, offset, headers, key, in that order), each followed by --key-separator.
With --format nothing is added: kcat -f 'Topic %t [%p] at offset %o: key %k: %s\\n'.
With --json, each record is one line:
{topic, partition, offset, timestamp, key, value, headers}; a key, value or header
value that is not UTF-8 comes as base64, marked by "keyEncoding", "valueEncoding" or
the header's "valueEncoding" set to "base64" beside it (--base64: every value), so
--json never loses a byte. Reads that fail with a retriable error are retried. With
--follow, partitions are read side by side and, once read to the end, wait for new
records: on the --watch-url connection (one for all partitions, nothing running on
the server while it waits), else by one long-poll per partition (one request held up
to 20 s, not one a second); interrupting it exits 0, and with --to it exits once
every partition reached its stop.

With --group, consume is a member of a consumer group: it joins, heartbeats in the
background, reads the partitions the group assigns it from the group's committed
offsets (or its reset policy), and commits the offset past the records it printed
every --commit-interval-ms and on exit: print first, then commit, so each record is
printed at least once by the group (a crash repeats what was printed since the last
commit). On a rebalance it drops the partitions it lost and picks up the ones it
gained where the group left them. Without --follow it exits once its partitions reach
their high watermarks as of the start and that commit went through; with --follow it
waits at the tail (on --watch-url, else long-polling) until interrupted. It leaves the group on exit (Ctrl-C, SIGTERM,
--max-records, caught up). Joins, rebalances and commits refused are noted on stderr.`,
    )
    .action((args: string[], opts: ConsumeOptions, command: Command) => {
      const topics = [...new Set([...args, ...(opts.topic ?? [])])];
      if (topics.length === 0) command.error('error: give a topic: sluice consume <topic...> or -t <topic>', { exitCode: 2, code: 'sluice.missingTopic' });
      if (opts.format !== undefined && globals().json) command.error("error: option '--format' cannot be used with '--json'", { exitCode: 2, code: 'sluice.conflictingOption' });
      if (opts.group === undefined) {
        const given = GROUP_ONLY_OPTIONS.find((name) => command.getOptionValueSource(name) === 'cli');
        if (given) command.error(`error: option '--${given.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}' needs --group`, { exitCode: 2, code: 'sluice.groupOption' });
        return consume(topics, opts, globals());
      }
      return consumeGroup(topics, opts.group, opts, globals());
    });

  const groups = program.command('groups').description('list, describe and delete consumer groups, show their offsets and lag, and reset their offsets');
  groups
    .command('list')
    .description('list consumer groups with their state, generation and live members')
    .action(() => listGroups(globals()));
  groups
    .command('describe <group>')
    .description("show a group's generation, state, members and their partitions, and each partition's committed offset, position and lag")
    .action((name: string) => describeGroup(name, globals()));
  groups
    .command('offsets <group>')
    .description("show a group's committed offset, position, high watermark and lag per partition")
    .option('--topic <topic>', 'only this topic (default: every topic the group subscribes to or committed)')
    .action((name: string, opts: { topic?: string }) => groupOffsets(name, opts, globals()));
  groups
    .command('reset-offsets <group>')
    .description("set a group's committed offsets on a topic to its earliest or latest offset, a time or an offset (the group must have no live members)")
    .requiredOption('--topic <topic>', 'the topic whose offsets to reset')
    .option('--partitions <list>', 'only these partitions, e.g. 0,2 (default: every partition)', partitionList)
    .option('--to-earliest', 'to each partition\'s log start offset')
    .option('--to-latest', 'to each partition\'s high watermark')
    .option('--to-datetime <time>', 'to the first record at or after this time: ISO 8601 (e.g. 2026-12-07T10:00:00Z) or ms since the epoch', dateTime)
    .option('--to-offset <offset>', 'to this offset, moved into each partition\'s log start..high watermark if outside', integer(0))
    .option('--dry-run', 'show what would be set, writing nothing')
    .addHelpText(
      'after',
      `
Exactly one --to-* option. A time no record reaches sets the high watermark. Refused
(GROUP_ACTIVE) while the group has live members: stop its consumers first.`,
    )
    .action((name: string, opts: ResetOffsetsOptions, command: Command) => {
      const to = resetTargetOf(opts);
      if (!to) command.error('error: give exactly one of --to-earliest, --to-latest, --to-datetime, --to-offset', { exitCode: 2, code: 'sluice.resetTarget' });
      return resetOffsets(name, opts, to!, globals());
    });
  groups
    .command('delete <group>')
    .description('delete a group and its committed offsets (the group must have no live members)')
    .action((name: string) => deleteGroup(name, globals()));
  groups
    .command('delete-offsets <group>')
    .description("delete a group's committed offsets of one topic (the group must have no live members)")
    .requiredOption('--topic <topic>', 'the topic whose offsets to delete')
    .action((name: string, opts: { topic: string }) => deleteGroupOffsets(name, opts.topic, globals()));

  program
    .command('subscribe <group> <topic>')
    .description("push a topic's records to an HTTPS endpoint or a Lambda function, as consumer group <group>")
    .addOption(new Option('--https <url>', 'POST each batch to this URL (https://, or http:// to localhost)').argParser(baseUrl).conflicts('lambda'))
    .addOption(new Option('--lambda <functionArn>', 'invoke this Lambda function with each batch (the stack must allow it)').argParser(lambdaArn))
    .option('--batch-size <n>', 'at most this many records per delivery, 1-10000 (server default 100)', integer(1, 10_000))
    .option('--batching-window-ms <ms>', 'wait up to this long to fill a batch, 0-20000 (server default 0)', integer(0, 20_000))
    .option('--retry-attempts <n>', 'retries of a failing batch, 0-10000 (server default 10)', integer(0, 10_000))
    .option('--max-record-age-seconds <s>', 'dead-letter records older than this, 60-604800, or -1 for no limit (server default 86400)', maxRecordAge)
    .option('--no-bisect', 'do not split a failing batch to isolate the bad record')
    .option('--dead-letter-topic <topic>', 'where undeliverable records go (default <group>.dlq, created if missing)')
    .addOption(new Option('--reset <policy>', 'where the group starts on partitions it never committed (server default latest)').choices(['earliest', 'latest']))
    .option('--secret <secret>', 'the signing secret, 16-256 characters (default: a random one)', pushSecret)
    .addHelpText(
      'after',
      `
Creates the group's push subscription, or replaces it: options left out take the
server's defaults again, and the secret is new unless --secret is given. The group's
committed offsets are kept. Each delivery is signed with the secret, which this command
prints (with its whsec_ form for Standard Webhooks libraries) and the server never shows
again: webhook-id, webhook-timestamp and webhook-signature as Standard Webhooks, and
the legacy sluice-signature header for one more version.`,
    )
    .action((group: string, topic: string, opts: SubscribeOptions, command: Command) => {
      if (opts.https === undefined && opts.lambda === undefined) {
        command.error('error: a target is needed: --https <url> or --lambda <functionArn>', { exitCode: 2, code: 'sluice.missingTarget' });
      }
      return subscribe(group, topic, opts, globals());
    });
  program
    .command('subscription')
    .description("show a group's push subscription")
    .command('describe <group>')
    .description(
      "show a group's push subscription: its target and controls, delivery health (failing partitions, the last error and when), each partition's committed offset, position, high watermark and lag, and each failing partition's consecutive failures, last error and next attempt",
    )
    .action((group: string) => describeSubscription(group, globals()));
  program
    .command('unsubscribe <group>')
    .description("delete a group's push subscription (its committed offsets stay)")
    .action((group: string) => unsubscribe(group, globals()));

  const acls = program.command('acls').description('create, list and delete ACL rules');
  acls
    .command('create')
    .description('add an ACL rule allowing or denying a principal an operation on resources')
    .requiredOption('--principal <principal>', 'who the rule is for: an IAM ARN, a JWT sub, a local principal, or * for everyone')
    .requiredOption('--resource-type <type>', 'topic, group or cluster', upperChoice(ACL_RESOURCE_TYPES))
    .option('--name <name>', `the resource name, or * for all (with --prefixed, a prefix); for cluster, default '${CLUSTER_RESOURCE_NAME}'`)
    .option('--prefixed', 'match every resource whose name starts with --name')
    .requiredOption('--operation <operation>', 'read, write, create, delete, describe, alter, alter_configs or all', upperChoice(ACL_OPERATIONS))
    .addOption(new Option('--allow', 'allow the operation').conflicts('deny'))
    .addOption(new Option('--deny', 'deny the operation (a deny wins over any allow)'))
    .addHelpText(
      'after',
      `
Values are case-insensitive. Examples:
  sluice acls create --principal alice --resource-type topic --name orders. --prefixed --operation write --allow
  sluice acls create --principal '*' --resource-type group --name billing --operation read --allow
  sluice acls create --principal bob --resource-type cluster --operation alter --deny`,
    )
    .action((opts: AclCreateOptions, command: Command) => {
      if (!opts.allow && !opts.deny) command.error('error: --allow or --deny is needed', { exitCode: 2, code: 'sluice.missingPermission' });
      if (opts.name === undefined && opts.resourceType !== 'CLUSTER') {
        command.error(`error: --name is needed for resource type ${opts.resourceType.toLowerCase()}`, { exitCode: 2, code: 'sluice.missingName' });
      }
      return createAcl(opts, globals());
    });
  acls
    .command('list')
    .description('list the ACL rules, oldest first')
    .action(() => listAcls(globals()));
  acls
    .command('delete <ruleId>')
    .description('delete an ACL rule')
    .action((ruleId: string) => deleteAcl(ruleId, globals()));

  const quotas = program.command('quotas').description("set and list principals' produce and fetch byte rates");
  quotas
    .command('set <principal>')
    .description("set a principal's produce and fetch byte-rate quota")
    .option('--produce-bytes-per-second <n>', 'produce byte rate, or unlimited', byteRate)
    .option('--fetch-bytes-per-second <n>', 'fetch byte rate, or unlimited', byteRate)
    .addHelpText(
      'after',
      `
A rate not given keeps its current value (unlimited if the principal had no quota of
its own; a principal with a quota of its own no longer gets the server's defaults).`,
    )
    .action((principal: string, opts: QuotaSetOptions, command: Command) => {
      if (opts.produceBytesPerSecond === undefined && opts.fetchBytesPerSecond === undefined) {
        command.error('error: give --produce-bytes-per-second, --fetch-bytes-per-second or both', { exitCode: 2, code: 'sluice.missingRate' });
      }
      return setQuota(principal, opts, globals());
    });
  quotas
    .command('list')
    .description('list the principals with a quota of their own')
    .action(() => listQuotas(globals()));

  program.addCommand(costCommand(program));
  program.addCommand(consoleCommand(program));
  program.addCommand(completionCommand(program));

  return program;
}

/** An error of a command's own with a stable code (sluice console's PORT_IN_USE, NO_CREDENTIALS). */
function hasStableCode(err: unknown): err is Error & { code: string; retriable: boolean } {
  if (!(err instanceof Error)) return false;
  const fields = err as Error & { code?: unknown; retriable?: unknown };
  return typeof fields.code === 'string' && typeof fields.retriable === 'boolean';
}

/** Prints an error as the CLI's contract says, and returns the exit code. */
function report(err: unknown, json: boolean): number {
  if (err instanceof CommanderError) {
    // Commander has printed it already (help and --version are not errors).
    return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? 0 : 2;
  }
  let error: Record<string, unknown>;
  if (err instanceof SluiceApiError || err instanceof SluiceConnectionError) error = err.toJSON();
  else if (err instanceof InputError) error = { code: err.code, message: err.message, retriable: false, ...err.details };
  else if (hasStableCode(err)) error = { code: err.code, message: err.message, retriable: err.retriable };
  else error = { code: 'UNEXPECTED', message: err instanceof Error ? err.message : String(err), retriable: false };
  process.stderr.write(json ? `${JSON.stringify({ error })}\n` : `error: ${String(error.code)}: ${String(error.message)}\n`);
  const note = err instanceof Error ? notes.get(err) : undefined;
  if (note && !json) process.stderr.write(`${note}\n`);
  if (!json && error.code === 'UNEXPECTED' && err instanceof Error && process.env.SLUICE_DEBUG) process.stderr.write(`${err.stack}\n`);
  return 1;
}

async function main(): Promise<number> {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0); // the reader went away (`sluice consume t | head`)
    throw err;
  });
  const program = buildProgram();
  try {
    await program.parseAsync(process.argv);
    return 0;
  } catch (err) {
    return report(err, program.opts<GlobalOptions>().json === true);
  }
}

const code = await main();
await flushed(process.stdout);
await flushed(process.stderr);
process.exit(code);
