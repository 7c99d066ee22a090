import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestPlatform, type TestPlatform } from '../support/local-platform';

/**
 * The README, run top to bottom as a new user would after `npm start`: every code block
 * in order, each one's exit code checked.
 *
 * - Shell blocks (```sh, ```bash, ```shell; of ```console, the `$ ` lines and their
 *   continuations, without the prompt) run from the repository root in
 *   bash with `set -eo pipefail`, so any failing command fails its block, not only the
 *   last. They share one session: each block starts with the variables the blocks before
 *   it left (every assignment is exported, with `set -a`). The CLI runs as the README
 *   says, `npx sluice`, on the project's Node 22 (first on PATH). `curl` runs with
 *   `--fail-with-body`, so an error answer fails its block too.
 * - A comment line of a shell block that starts with `# {` or `# [` shows an answer: the
 *   block's output must contain it, `...` standing for anything (so the quick start's
 *   partitions are the server's).
 * - TypeScript blocks (```ts, ```typescript) are written to a temporary file inside the
 *   repository (so `sluice/client` and the dev dependencies resolve) and run with tsx.
 * - A block the test must not run has, on the line before its fence (blank lines between
 *   are allowed), `<!-- readme-test: skip: <why> -->`: installing, `npm start` itself
 *   (this test starts its own platform), `npm test`, AWS or Docker. Any other
 *   `readme-test` comment is an error, so a typo cannot skip a block silently.
 * - A block that uses kcat or jq is skipped where that tool is not installed (kcat is
 *   required in CI, where .ci/run installs it).
 * - The platform is fresh (a temporary data directory), on free ports, with auth off as `npm start` starts
 *   by default; the README's `localhost:8780` / `127.0.0.1:8780` and `localhost:9092` are
 *   rewritten to its API and Kafka gateway, and SLUICE_URL is exported as the banner says.
 *   Its live waits are shortened (long-polls and server-sent events end within 2 s instead
 *   of 20 s and 60 s) so the README's live reads end soon, as they do on their own.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const README = join(ROOT, 'README.md');
const SHELLS = new Set(['sh', 'bash', 'console', 'shell']);
const SCRIPTS = new Set(['ts', 'typescript']);
/** An error answer (4xx, 5xx) fails its block, as it would stop a reader; curl -s alone exits 0 on one. */
const CURL_FAILS_ON_ERRORS = 'curl() { command curl --fail-with-body "$@"; }';
/** Tools the README uses that a developer may not have; a block needing a missing one is skipped (kcat not in CI, where .ci/run installs it). */
const OPTIONAL_TOOLS = ['kcat', 'jq'];
const missingTools = OPTIONAL_TOOLS.filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
if (missingTools.includes('kcat') && process.env.CI) throw new Error('kcat is not installed: .ci/run installs it with apt-get');
/** README_TEST_SHOW=1 prints each block's output, to read what a reader would see. */
const SHOW = process.env.README_TEST_SHOW === '1';
/** A safety net against a hanging block, far above the slowest block on a loaded machine (about 70 s). */
const BLOCK_LIMIT_MS = 300_000;

interface ReadmeBlock {
  language: string;
  /** 1-based line of the opening fence. */
  line: number;
  code: string;
  /** The reason given in a skip marker, if any. */
  skip: string | undefined;
}

const MARKER = /^<!--\s*readme-test:(.*?)-->$/;

/** The fenced blocks of a Markdown text, with their skip markers. */
function readmeBlocks(markdown: string): ReadmeBlock[] {
  const lines = markdown.split('\n');
  const blocks: ReadmeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    let before = start - 1;
    while (before >= 0 && lines[before]!.trim() === '') before--;
    const marker = before >= 0 ? MARKER.exec(lines[before]!.trim()) : null;
    let skip: string | undefined;
    if (marker) {
      const reason = /^\s*skip:\s*(\S.*?)\s*$/.exec(marker[1]!);
      if (!reason) throw new Error(`README.md:${before + 1}: a readme-test marker must read '<!-- readme-test: skip: <why> -->'`);
      skip = reason[1];
    }
    blocks.push({ language: open[1]!, line: start + 1, code: open[1] === 'console' ? consoleCommands(body) : body.join('\n'), skip });
  }
  return blocks;
}

/** A console transcript's commands: `$ ` lines without the prompt, and the lines a trailing backslash continues. */
function consoleCommands(lines: readonly string[]): string {
  const commands: string[] = [];
  let continued = false;
  for (const line of lines) {
    if (continued || line.startsWith('$ ')) {
      commands.push(continued ? line : line.slice(2));
      continued = line.endsWith('\\');
    }
  }
  return commands.join('\n');
}

/** The answers a shell block shows in comments (`# {...}`, `# [...]`), as patterns over its output. */
function shownAnswers(code: string): { shown: string; pattern: RegExp }[] {
  return [...code.matchAll(/^\s*# ([{[].*)$/gm)].map(([, shown]) => ({
    shown: shown!,
    pattern: new RegExp(shown!.trim().split('...').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[^]*?')),
  }));
}

interface Outcome {
  code: number | null;
  output: string;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Outcome> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    // Kill the block's whole process group (npx, node, curl) if it hangs.
    const limit = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), BLOCK_LIMIT_MS);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(limit);
      done({ code, output });
    });
  });
}

const blocks = readmeBlocks(readFileSync(README, 'utf8'));

describe('reading the README', () => {
  it('reads each fenced block with its language and line, and skips only the block right after a marker', () => {
    const markdown = ['text', '```sh', 'echo one', '```', '', '<!-- readme-test: skip: needs AWS -->', '', '```sh', 'aws s3 ls', '```', '```ts', 'let x = 1;', '```'].join('\n');
    assert.deepEqual(readmeBlocks(markdown), [
      { language: 'sh', line: 2, code: 'echo one', skip: undefined },
      { language: 'sh', line: 8, code: 'aws s3 ls', skip: 'needs AWS' },
      { language: 'ts', line: 11, code: 'let x = 1;', skip: undefined },
    ]);
  });

  it('runs only the commands of a console transcript, not its output', () => {
    const markdown = ['```console', '$ echo one \\', '  two', 'one two', '$ ls', 'README.md', '```'].join('\n');
    assert.equal(readmeBlocks(markdown)[0]!.code, 'echo one \\\n  two\nls');
  });

  it('reads the answers a shell block shows in comments, with ... for anything', () => {
    const [answer] = shownAnswers('curl -s x\n# {"partition":1,...,"ok":true}');
    assert.match('{"partition":1,"offset":0,"ok":true}', answer!.pattern);
    assert.doesNotMatch('{"partition":3,"offset":0,"ok":true}', answer!.pattern);
  });

  it('refuses a marker that is not a skip with a reason, so a typo cannot skip a block silently', () => {
    assert.throws(() => readmeBlocks('<!-- readme-test: skp: x -->\n```sh\nls\n```'), /README\.md:1: a readme-test marker must read/);
    assert.throws(() => readmeBlocks('<!-- readme-test: skip -->\n```sh\nls\n```'), /README\.md:1:/);
  });
});

describe('README.md, run top to bottom', () => {
  let test: TestPlatform;
  let work: string;
  let envFile: string;
  let rewrite: (code: string) => string;
  let baseEnv: NodeJS.ProcessEnv;

  before(async () => {
    // Read per request by the handlers running in this process.
    process.env.SLUICE_DS_LONG_POLL_MS = '1000';
    process.env.SLUICE_DS_SSE_MAX_MS = '2000';
    process.env.SLUICE_LIVE_MAX_DURATION_MS = '2000';
    // The handlers' JSON logs would bury the blocks' output.
    process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
    test = await startTestPlatform();
    const api = new URL(test.url).host;
    const kafka = test.platform.kafka!.bootstrapServer;
    rewrite = (code) => code.replaceAll(/(localhost|127\.0\.0\.1):8780/g, api).replaceAll('localhost:9092', kafka);
    mkdirSync(join(ROOT, '.sluice'), { recursive: true });
    // Inside the repository, so a TypeScript block's imports resolve as they would for a reader of it.
    work = mkdtempSync(join(ROOT, '.sluice', 'readme-test-'));
    envFile = join(work, 'env.sh');
    writeFileSync(envFile, '');
    // Settings of the developer's own shell (a token, another URL) must not change what the README does.
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('SLUICE_') && name !== 'NODE_OPTIONS' && name !== 'NODE_TEST_CONTEXT'));
    baseEnv = { ...inherited, PATH: `${dirname(process.execPath)}:${process.env.PATH}`, SLUICE_URL: test.url, NO_COLOR: '1' };
  });

  after(async () => {
    await test?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('has runnable shell and TypeScript blocks, and a skip reason on every block it does not run', () => {
    const unknown = blocks.filter((block) => !SHELLS.has(block.language) && !SCRIPTS.has(block.language) && !block.skip);
    assert.deepEqual(unknown.map((block) => `README.md:${block.line} ${block.language || '(no language)'}`), [], 'a block of another language needs a skip marker');
    assert.ok(blocks.filter((block) => SHELLS.has(block.language) && !block.skip).length >= 5, 'the quick start and the CLI sections run');
    assert.ok(blocks.some((block) => SCRIPTS.has(block.language) && !block.skip), 'the client example runs');
  });

  for (const [index, block] of blocks.entries()) {
    const name = `block ${index + 1}, README.md:${block.line} (${block.language})`;
    const missing = missingTools.filter((tool) => new RegExp(`(^|[\\s|(])${tool}\\s`, 'm').test(block.code));
    if (block.skip || missing.length > 0) {
      it(name, { skip: block.skip ?? `${missing.join(' and ')} not installed` }, () => undefined);
      continue;
    }
    if (SHELLS.has(block.language)) {
      it(`${name} exits 0`, async (t) => {
        const script = join(work, `block-${index + 1}.sh`);
        writeFileSync(script, `${rewrite(block.code)}\n`);
        const outcome = await run(
          'bash',
          ['-c', `${CURL_FAILS_ON_ERRORS}\nset -a; . "$1"; set -eo pipefail; . "$2"; set +e; export -p > "$1"`, 'readme-block', envFile, script],
          baseEnv,
        );
        if (SHOW) t.diagnostic(outcome.output);
        assert.equal(outcome.code, 0, `${name} failed:\n${rewrite(block.code)}\n--- output ---\n${outcome.output}`);
        for (const { shown, pattern } of shownAnswers(block.code)) {
          assert.match(outcome.output, pattern, `${name} shows an answer it does not give: ${shown}\n--- output ---\n${outcome.output}`);
        }
      });
    } else if (SCRIPTS.has(block.language)) {
      it(`${name} runs to its end`, async (t) => {
        const script = join(work, `block-${index + 1}.ts`);
        writeFileSync(script, `${rewrite(block.code)}\n`);
        const outcome = await run(process.execPath, ['--import', 'tsx', script], baseEnv);
        if (SHOW) t.diagnostic(outcome.output);
        assert.equal(outcome.code, 0, `${name} failed:\n--- output ---\n${outcome.output}`);
      });
    }
  }
});
