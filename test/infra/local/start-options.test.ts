import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { localConfigFromEnv } from '../../../infra/local/local-config';
import { START_HELP, StartUsageError, parseStartArgs, startBanner, type BannerFacts } from '../../../infra/local/start-options';

const usage = (pattern: RegExp) => (error: unknown) => error instanceof StartUsageError && pattern.test(error.message);

describe('parseStartArgs', () => {
  it('answers no settings for no arguments, so the environment alone decides', () => {
    assert.deepEqual(parseStartArgs([]), { help: false, env: {} });
  });

  it('turns --port N and --port=N into SLUICE_PORT, which localConfigFromEnv then reads', () => {
    const spaced = parseStartArgs(['--port', '9000']);
    assert.deepEqual(spaced, { help: false, env: { SLUICE_PORT: '9000' } });
    assert.deepEqual(parseStartArgs(['--port=9000']), spaced);
    assert.equal(localConfigFromEnv({ SLUICE_PORT: '1', ...(spaced.help ? {} : spaced.env) }).port, 9000, 'the flag wins over the variable');
  });

  it('maps each option to its environment variable', () => {
    const command = parseStartArgs(['--host', '0.0.0.0', '--data-dir', '/tmp/x', '--dynamodb-port', '0', '--s3-port', '8000', '--kafka-port', '19092']);
    assert.deepEqual(command, {
      help: false,
      env: { SLUICE_HOST: '0.0.0.0', SLUICE_DATA_DIR: '/tmp/x', SLUICE_DYNAMODB_PORT: '0', SLUICE_S3_PORT: '8000', SLUICE_KAFKA_PORT: '19092' },
    });
  });

  it('reads --no-kafka as SLUICE_KAFKA_PORT=off and --in-memory as an empty SLUICE_DATA_DIR', () => {
    const command = parseStartArgs(['--no-kafka', '--in-memory']);
    assert.deepEqual(command, { help: false, env: { SLUICE_KAFKA_PORT: 'off', SLUICE_DATA_DIR: '' } });
    const config = localConfigFromEnv(command.help ? {} : command.env);
    assert.equal(config.kafkaPort, undefined);
    assert.equal(config.dataDir, undefined);
  });

  it('answers help for --help or -h, wherever it is', () => {
    assert.deepEqual(parseStartArgs(['--port', '1', '--help']), { help: true });
    assert.deepEqual(parseStartArgs(['-h']), { help: true });
  });

  it('refuses an unknown option by name', () => {
    assert.throws(() => parseStartArgs(['--prot', '9000']), usage(/^unknown option '--prot'$/));
    assert.throws(() => parseStartArgs(['--prot=9000']), usage(/^unknown option '--prot'$/));
  });

  it('refuses a positional argument', () => {
    assert.throws(() => parseStartArgs(['9000']), usage(/unexpected argument '9000'/));
  });

  it('refuses an option without its value, or a switch with one', () => {
    assert.throws(() => parseStartArgs(['--port']), usage(/^--port needs a value$/));
    assert.throws(() => parseStartArgs(['--port', '--no-kafka']), usage(/^--port needs a value$/));
    assert.throws(() => parseStartArgs(['--no-kafka=yes']), usage(/^--no-kafka takes no value$/));
  });

  it('refuses a port that is not 0-65535', () => {
    for (const bad of ['-1', '65536', '80a', '']) {
      assert.throws(() => parseStartArgs([`--port=${bad}`]), usage(/^--port must be a port number 0-65535/), bad);
    }
    assert.throws(() => parseStartArgs(['--kafka-port', 'of']), usage(/^--kafka-port must be a port number/));
  });

  it('lists every option in the help text', () => {
    for (const flag of ['--port', '--host', '--data-dir', '--in-memory', '--dynamodb-port', '--s3-port', '--kafka-port', '--no-kafka', '--help']) {
      assert.match(START_HELP, new RegExp(`^  ${flag}\\b`, 'm'), flag);
    }
  });
});

describe('startBanner', () => {
  const facts: BannerFacts = {
    url: 'http://127.0.0.1:9000',
    watchUrl: 'ws://127.0.0.1:9000/v1/watch',
    kafkaBootstrap: '127.0.0.1:9092',
    dynamodb: 'http://127.0.0.1:8781',
    s3: 'http://127.0.0.1:8782',
    dataDir: '/data',
    authMode: 'none',
    tokenPrincipals: [],
  };

  it('says how to point the CLI at this platform, with its real URL', () => {
    assert.match(startBanner(facts), /^ {2}export SLUICE_URL=http:\/\/127\.0\.0\.1:9000$/m);
  });

  it('says auth is off when no token is configured', () => {
    assert.match(startBanner(facts), /^ {2}auth {6}off: every caller is anonymous/m);
  });

  it('says auth is on, for which principals, and adds the token to the CLI setup in token mode', () => {
    const banner = startBanner({ ...facts, authMode: 'token', tokenPrincipals: ['alice', 'bob'] });
    assert.match(banner, /^ {2}auth {6}on: bearer tokens for alice, bob; ACLs apply/m);
    assert.match(banner, /^ {2}export SLUICE_URL=http:\/\/127\.0\.0\.1:9000 SLUICE_TOKEN=<token>$/m);
  });

  it('says the Kafka gateway is off when none runs', () => {
    assert.match(startBanner({ ...facts, kafkaBootstrap: undefined }), /^ {2}Kafka {5}off/m);
  });
});

describe('npm start with flags (infra/local/main.ts in a child process)', () => {
  const root = resolve(import.meta.dirname, '../../..');
  const start = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'infra/local/main.ts', ...args], { cwd: root, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: process.env.HOME } });

  it('refuses an unknown flag with exit 2 and a message, before starting anything', () => {
    const run = start('--prot', '9000');
    assert.equal(run.status, 2);
    assert.match(run.stderr, /^error: unknown option '--prot'\nSee npm start -- --help for the options\.$/m);
    assert.doesNotMatch(run.stdout, /Sluice is running/);
  });

  it('prints the options and exits 0 on --help', () => {
    const run = start('--help');
    assert.equal(run.status, 0);
    assert.equal(run.stdout.trim(), START_HELP);
  });
});
