/**
 * The cdk-nag AwsSolutions pack over SluiceStack: no unacknowledged finding, in
 * the default, the throw-away (DESTROY) and the traced configuration, and every
 * acknowledgment gives its reason. cdk-nag 3 runs as a CDK policy-validation
 * plugin (`Validations.of(app).addPlugins(...)`, as bin/cdk-app.ts does);
 * `validateScope` runs the same checks without synthesizing the assets.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { App, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { NAG_REASONS } from '../../infra/nag-acknowledgments';
import { SluiceStack, type SluiceStackProps } from '../../infra/sluice-stack';

interface CdkJson {
  readonly context: Record<string, unknown>;
}
const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as CdkJson;

function app(): App {
  return new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
}

/** The unacknowledged findings, as `rule @ construct path`. */
function findings(scope: IConstruct, root: App): string[] {
  const report = new AwsSolutionsChecks(root).validateScope(scope);
  return report.violations.flatMap((violation) =>
    violation.violatingResources.map((resource) => `${violation.ruleName} (${violation.severity}) @ ${resource.constructPath}`),
  );
}

function nagged(props: SluiceStackProps = {}): { root: App; stack: SluiceStack } {
  const root = app();
  const stack = new SluiceStack(root, 'SluiceNag', { namePrefix: 'sluice-nag', ...props });
  return { root, stack };
}

/** Every acknowledgment recorded under `scope`: rule id → reason, with the construct path. */
function acknowledgments(scope: IConstruct): { path: string; id: string; reason: string }[] {
  return scope.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({ path: construct.node.path, id, reason }))),
  );
}

describe('cdk-nag AwsSolutions', () => {
  it('reports no unacknowledged finding for the default stack', () => {
    const { root, stack } = nagged();
    assert.deepEqual(findings(stack, root), []);
  });

  it('reports no unacknowledged finding with removalPolicy DESTROY (auto-emptied buckets)', () => {
    const { root, stack } = nagged({ removalPolicy: RemovalPolicy.DESTROY });
    assert.deepEqual(findings(stack, root), []);
  });

  it('reports no unacknowledged finding with an existing alarm topic and email subscribers', () => {
    const { root, stack } = nagged({ alarmTopicArn: 'arn:aws:sns:us-east-1:123456789012:ops', alarmEmails: ['ops@example.com'] });
    assert.deepEqual(findings(stack, root), []);
  });

  it('reports no unacknowledged finding with X-Ray tracing on', () => {
    const { root, stack } = nagged({ tracing: true });
    assert.deepEqual(findings(stack, root), []);
  });

  it('acknowledges a "*" resource only with tracing on, for the X-Ray actions on each function role', () => {
    const wildcard = (stack: SluiceStack) => acknowledgments(stack).filter((ack) => ack.id.endsWith('AwsSolutions-IAM5[Resource::*]'));
    assert.deepEqual(wildcard(nagged().stack), []);
    const traced = nagged({ tracing: true }).stack;
    const roles = traced.functions.specs.map((spec) => traced.functions.functions[spec.name]?.role?.node.path);
    assert.deepEqual(wildcard(traced).map((ack) => ack.path).sort(), roles.sort());
    for (const ack of wildcard(traced)) assert.equal(ack.reason, NAG_REASONS.xrayTracing);
  });

  it('is not vacuous: it still reports a bucket that lacks TLS enforcement and access logs', () => {
    const root = app();
    const stack = new Stack(root, 'Careless');
    new s3.Bucket(stack, 'Careless', { blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL });
    const reported = findings(stack, root);
    assert.ok(reported.some((finding) => finding.startsWith('AwsSolutions-S10 ')), reported.join('\n'));
    assert.ok(reported.some((finding) => finding.startsWith('AwsSolutions-S1 ')), reported.join('\n'));
  });

  it('acknowledges findings on the constructs they concern, never on the whole stack', () => {
    const { stack } = nagged({ removalPolicy: RemovalPolicy.DESTROY });
    const recorded = acknowledgments(stack);
    assert.ok(recorded.length > 0);
    for (const { path } of recorded) assert.notEqual(path, stack.node.path);
  });

  it('gives every acknowledgment a specific reason', () => {
    const { stack } = nagged({ removalPolicy: RemovalPolicy.DESTROY });
    const reasons = new Set<string>(Object.values(NAG_REASONS));
    for (const { path, id, reason } of acknowledgments(stack)) {
      assert.match(id, /AwsSolutions-[A-Z]+\d+/, `${path}: ${id}`);
      assert.ok(reason.length >= 80, `${path}: ${id} needs a reason that says why, got '${reason}'`);
      assert.ok(reasons.has(reason), `${path}: ${id}: reasons live in NAG_REASONS`);
    }
  });

  it('acknowledges IAM5 only for specific findings, never for the whole rule', () => {
    const { stack } = nagged();
    for (const { id } of acknowledgments(stack).filter((ack) => ack.id.includes('IAM5'))) {
      assert.match(id, /AwsSolutions-IAM5\[Resource::[^\]]+\]$/, id);
    }
  });

  it('needs APIG4 acknowledgments only for the watch API\'s routes after $connect: every HTTP route has an authorizer', () => {
    const { stack } = nagged();
    const routes = stack.watchApi!.routes;
    const expected = ['watch', 'check', 'bind', '$default', '$disconnect', 'ping'].map((key) => routes[key]!.node.path).sort();
    const acknowledged = acknowledgments(stack).filter((ack) => ack.id.endsWith('AwsSolutions-APIG4'));
    assert.deepEqual(acknowledged.map((ack) => ack.path).sort(), expected);
    for (const ack of acknowledged) assert.equal(ack.reason, NAG_REASONS.webSocketRoutes);
  });

  it('acknowledges for enforce-retention only the Log table index grant and the segment objects on its role: no stream', () => {
    const { stack } = nagged();
    const fn = stack.functions.functions['enforce-retention'];
    assert.ok(fn?.role, 'enforce-retention and its role exist');
    const onRole = acknowledgments(stack).filter((ack) => ack.path === fn.role!.node.path);
    assert.deepEqual(
      onRole.map((ack) => ack.reason).sort(),
      [NAG_REASONS.segmentObjects, NAG_REASONS.tableIndexes].sort(),
      onRole.map((ack) => ack.id).join('\n'),
    );
    assert.ok(onRole.some((ack) => /AwsSolutions-IAM5\[Resource::<StorageLog[0-9A-F]+\.Arn>\/index\/\*\]$/.test(ack.id)));
  });

  it('runs in the CDK app on every synth', () => {
    const source = readFileSync(new URL('../../bin/cdk-app.ts', import.meta.url), 'utf8');
    assert.match(source, /Validations\.of\(app\)\.addPlugins\(new AwsSolutionsChecks\(app/);
  });
});
