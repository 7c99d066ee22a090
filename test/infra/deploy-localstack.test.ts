import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';

/**
 * `npm run deploy:localstack` (cdklocal bootstrap && cdklocal deploy) gets as far as
 * synthesis here. cdklocal (aws-cdk-local, for the CDK CLI from 2.177 on) rewrites the
 * environment with its own configureEnvironment (drops AWS_* settings but endpoints,
 * sets the `test` credentials, us-east-1 and the LocalStack endpoints) and runs the CDK
 * CLI, which runs the app of cdk.json with CDK_OUTDIR, CDK_CONTEXT_JSON and the default
 * account and region. This test builds that same environment with cdklocal's own
 * function and runs bin/cdk-app.ts in it, with asset bundling skipped (as the other
 * stack tests do): the full `cdklocal synth`, esbuild bundling every function, was run
 * by hand on the machine this was written on and took about 4 minutes, too long for
 * `npm test`. Deploying needs a running LocalStack: see docs/localstack.md.
 */
const ROOT = resolve(import.meta.dirname, '../..');
// What LocalStack's STS answers for the `test` credentials: the CLI passes it to the app.
const LOCALSTACK_ACCOUNT = '000000000000';
const { configureEnvironment } = createRequire(import.meta.url)('aws-cdk-local') as {
  configureEnvironment(env: NodeJS.ProcessEnv, allowList: string): void;
};
const cdkJson = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as { app: string; context: Record<string, unknown> };
const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
const outDirs: string[] = [];

after(() => {
  for (const dir of outDirs) rmSync(dir, { recursive: true, force: true });
});

/** The environment cdklocal gives the CDK CLI, from a shell with real AWS settings in it. */
function cdklocalEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { HOME: process.env.HOME, PATH: process.env.PATH, AWS_PROFILE: 'production', AWS_ACCESS_KEY_ID: 'AKIAREALKEY', AWS_SECRET_ACCESS_KEY: 'real', AWS_REGION: 'eu-west-1' };
  configureEnvironment(env, '');
  return env;
}

describe('npm run deploy:localstack', () => {
  it('bootstraps and deploys with cdklocal, asking no approval', () => {
    assert.equal(packageJson.scripts['deploy:localstack'], 'cdklocal bootstrap && cdklocal deploy --require-approval never');
  });

  it("runs with cdklocal's environment: LocalStack endpoints and test credentials, the shell's AWS settings dropped", () => {
    const env = cdklocalEnv();
    assert.equal(env.AWS_ENDPOINT_URL, 'http://localhost.localstack.cloud:4566');
    assert.equal(env.AWS_ENDPOINT_URL_S3, 'http://s3.localhost.localstack.cloud:4566');
    assert.equal(env.AWS_ACCESS_KEY_ID, 'test');
    assert.equal(env.AWS_REGION, 'us-east-1');
    assert.equal(env.AWS_PROFILE, undefined);
  });

  it('refuses AWS_ENDPOINT_URL without AWS_ENDPOINT_URL_S3, so a CI job setting one sets both', () => {
    assert.throws(() => configureEnvironment({ AWS_ENDPOINT_URL: 'http://localhost:4566' }, ''), /AWS_ENDPOINT_URL_S3' must be specified/);
  });

  it("synthesizes the app of cdk.json in that environment into the stack sluice-dev for LocalStack's account", async () => {
    assert.equal(cdkJson.app, 'npx tsx bin/cdk-app.ts');
    const outDir = mkdtempSync(join(tmpdir(), 'sluice-cdklocal-'));
    outDirs.push(outDir);
    const env: NodeJS.ProcessEnv = {
      ...cdklocalEnv(),
      CDK_OUTDIR: outDir,
      CDK_CONTEXT_JSON: JSON.stringify({ ...cdkJson.context, 'aws:cdk:bundling-stacks': [] }),
      CDK_DEFAULT_ACCOUNT: LOCALSTACK_ACCOUNT,
      CDK_DEFAULT_REGION: 'us-east-1',
    };
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/cdk-app.ts'], { cwd: ROOT, env });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const code = await new Promise<number | null>((done) => child.on('exit', (exitCode) => done(exitCode)));
    assert.equal(code, 0, output);

    const manifest = JSON.parse(readFileSync(join(outDir, 'manifest.json'), 'utf8')) as { artifacts: Record<string, { type: string; environment?: string }> };
    assert.equal(manifest.artifacts['sluice-dev']?.type, 'aws:cloudformation:stack');
    assert.equal(manifest.artifacts['sluice-dev']?.environment, `aws://${LOCALSTACK_ACCOUNT}/us-east-1`);
    const template = JSON.parse(readFileSync(join(outDir, 'sluice-dev.template.json'), 'utf8')) as { Resources: Record<string, { Type: string }> };
    const types = new Set(Object.values(template.Resources).map((resource) => resource.Type));
    for (const type of ['AWS::DynamoDB::Table', 'AWS::S3::Bucket', 'AWS::Lambda::Function', 'AWS::Lambda::EventSourceMapping', 'AWS::ApiGatewayV2::Api']) {
      assert.ok(types.has(type), `${type} in the template`);
    }
  });
});
