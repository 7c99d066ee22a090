/**
 * `sluice completion bash|zsh|fish`: the scripts the real CLI prints (each names every
 * top-level command of `sluice --help`, and the shell accepts its syntax), and what they
 * complete, generated from a small program of the same shape.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Command, Option } from 'commander';
import { COMPLETION_SHELLS, completionCommand, completionScript } from '../../../bin/cli/completion';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

function sluice(args: string[]): string {
  return execFileSync(process.execPath, ['--import', 'tsx', 'bin/sluice.ts', ...args], { cwd: ROOT, encoding: 'utf8' });
}

const installed = (shell: string) => spawnSync(shell, ['-c', 'exit 0']).status === 0;

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-completion-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Syntax check only: the shell parses the script without running it. */
function checkSyntax(shell: string, script: string): void {
  const file = join(dir, `completion.${shell}`);
  writeFileSync(file, script);
  const result = spawnSync(shell, ['-n', file], { encoding: 'utf8' });
  assert.equal(result.status, 0, `${shell} -n: ${result.stderr}`);
}

describe('sluice completion', () => {
  const help = sluice(['--help']);
  const section = help.slice(help.indexOf('Commands:'));
  const commands = [...section.slice(0, section.indexOf('\n\n')).matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((m) => m[1]!);
  const scripts = new Map(COMPLETION_SHELLS.map((shell) => [shell, sluice(['completion', shell])]));

  it('finds the top-level commands in the help (the test reads them there)', () => {
    assert.ok(commands.includes('topics') && commands.includes('completion') && commands.length >= 10, commands.join(' '));
  });

  for (const shell of COMPLETION_SHELLS) {
    it(`prints a ${shell} script that completes every top-level command`, () => {
      const script = scripts.get(shell)!;
      if (!installed(shell)) {
        // Without the shell, at least every command is in the script.
        for (const command of commands) assert.match(script, new RegExp(`'${command}[':]`), `${shell} script names ${command}`);
        return;
      }
      assert.deepEqual(complete(shell, script, 'sluice', ['sluice', '']).sort(), [...commands].sort());
    });

    it(`prints a ${shell} script the shell parses`, (t) => {
      if (!installed(shell)) return t.skip(`${shell} is not installed`);
      checkSyntax(shell, scripts.get(shell)!);
    });
  }

  it('refuses a shell it has no script for, as a usage error', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'bin/sluice.ts', 'completion', 'tcsh'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /value 'tcsh' is invalid for argument 'shell'. Allowed choices are bash, zsh, fish/);
  });
});

/** A program shaped as sluice's: nested commands, a program option with choices, a command option with choices. */
function sampleProgram(): Command {
  const program = new Command('demo').option('--url <url>', 'where').addOption(new Option('--auth <mode>', 'how').choices(['none', 'iam']));
  const topics = program.command('topics').description('manage topics');
  topics.command('create <name>').description('create one').option('--partitions <n>', 'how many').option('--compact', "it's compacted");
  topics.command('list').description('list them');
  program
    .command('consume <topic>')
    .description('read')
    .addOption(new Option('--reset <policy>', 'where to start').choices(['earliest', 'latest']));
  program.addCommand(completionCommand(program));
  return program;
}

/**
 * What `shell` completes for the words typed so far (the last one being completed), by
 * running the script in it: bash's function with COMP_WORDS, fish's `complete -C`, and
 * zsh's function with stand-ins for the completion system's functions (it needs an
 * interactive shell), which print the words they are given.
 */
function complete(shell: string, script: string, program: string, words: string[]): string[] {
  const file = join(dir, `complete.${shell}`);
  writeFileSync(file, script);
  const quoted = words.map((w) => `'${w}'`).join(' ');
  if (shell === 'fish') {
    return execFileSync('fish', ['-c', `source '${file}'; complete -C '${words.join(' ')}'`], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split('\t')[0]!);
  }
  const run =
    shell === 'bash'
      ? `source '${file}'; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _${program}; printf '%s\\n' "\${COMPREPLY[@]}"`
      : `compdef() { :; }; _describe() { printf '%s\\n' "\${(@P)4%%:*}"; }; compadd() { printf '%s\\n' "\${(@P)2}"; }; _files() { :; }
source '${file}'; words=(${quoted}); CURRENT=${words.length}; _${program} || true`;
  return execFileSync(shell, ['-c', run], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

const bashComplete = (script: string, words: string[]) => complete('bash', script, 'demo', words);

describe('the bash completion script', () => {
  const script = completionScript(sampleProgram(), 'bash');

  it('completes the top-level commands, and a command added to the program', () => {
    assert.deepEqual(bashComplete(script, ['demo', '']), ['topics', 'consume', 'completion', 'help']);
  });

  it('completes the subcommands of the command typed, past program options and their values', () => {
    assert.deepEqual(bashComplete(script, ['demo', '--url', 'topics', 'topics', '']), ['create', 'list', 'help']);
  });

  it("completes the typed command's options and the program's", () => {
    assert.deepEqual(bashComplete(script, ['demo', 'topics', 'create', 'x', '--']).sort(), ['--auth', '--compact', '--help', '--partitions', '--url'].sort());
  });

  it("completes an option's choices, a program option's too", () => {
    assert.deepEqual(bashComplete(script, ['demo', 'consume', 'orders', '--reset', '']), ['earliest', 'latest']);
    assert.deepEqual(bashComplete(script, ['demo', 'topics', '--auth', '']), ['none', 'iam']);
  });

  it("completes an argument's choices", () => {
    assert.deepEqual(bashComplete(script, ['demo', 'completion', '']), ['bash', 'zsh', 'fish']);
  });
});

describe('the fish completion script', () => {
  it('completes subcommands with their descriptions and option choices', (t) => {
    if (!installed('fish')) return t.skip('fish is not installed');
    const file = join(dir, 'demo.fish');
    writeFileSync(file, completionScript(sampleProgram(), 'fish'));
    const complete = (line: string) => execFileSync('fish', ['-c', `source '${file}'; complete -C '${line}'`], { encoding: 'utf8' }).split('\n').filter(Boolean).sort();
    assert.deepEqual(complete('demo topics '), ['create\tcreate one', 'help\tdisplay help for command', 'list\tlist them']);
    assert.deepEqual(complete('demo consume x --reset ').map((l) => l.split('\t')[0]), ['earliest', 'latest']);
  });
});

describe('the zsh completion script', () => {
  it('offers subcommands with their descriptions, and option choices, to zsh completion functions', (t) => {
    if (!installed('zsh')) return t.skip('zsh is not installed');
    const file = join(dir, 'demo.zsh');
    writeFileSync(file, completionScript(sampleProgram(), 'zsh'));
    // Outside an interactive shell, the completion system's functions are stand-ins that print what they are given.
    const run = (words: string[]) =>
      execFileSync(
        'zsh',
        [
          '-c',
          `compdef() { :; }; _describe() { print -r -- "\${(P)4}"; }; compadd() { print -r -- "\${(P)2}"; }; _files() { :; }
source '${file}'; words=(${words.map((w) => `'${w}'`).join(' ')}); CURRENT=${words.length}; _demo`,
        ],
        { encoding: 'utf8' },
      ).trim();
    assert.equal(run(['demo', 'topics', '']), 'create:create one list:list them help:display help for command');
    assert.equal(run(['demo', 'consume', 'x', '--reset', '']), 'earliest latest');
    assert.equal(run(['demo', 'topics', 'create', '--']), "--partitions:how many --compact:it's compacted --help:display help for command -h:display help for command --url:where --auth:how");
  });
});
