/**
 * The deployed path of live reads: the stream-reads function's response-streaming function
 * URL in SluiceStack, per auth mode (AWS_IAM with IAM; NONE with the function verifying
 * JWTs itself, given the HTTP API authorizer's issuer and audiences), what the function
 * may touch, the output, and the fetch route's 501 pointing at it. Bundling is skipped,
 * as in test/infra/sluice-stack.test.ts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { FUNCTIONS } from '../../../infra/platform-spec';
import { SluiceStack, type SluiceStackProps } from '../../../infra/sluice-stack';
import { JWT_AUDIENCE_ENV_VAR, JWT_ISSUER_ENV_VAR } from '../../../lib/auth/jwt-verification';
import { LIVE_STREAM_URL_ENV_VAR } from '../../../lib/protocol/live';

interface CdkJson {
  readonly context: Record<string, unknown>;
}
const cdkJson = JSON.parse(readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8')) as CdkJson;

function stackOf(props: SluiceStackProps = {}): SluiceStack {
  const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
  return new SluiceStack(app, 'SluiceLive', { namePrefix: 'sluice-live', ...props });
}

function synth(props: SluiceStackProps = {}): { stack: SluiceStack; template: Template } {
  const stack = stackOf(props);
  return { stack, template: Template.fromStack(stack) };
}

const iamStack = synth();
const jwtStack = synth({ auth: { type: 'jwt', issuer: 'https://issuer.example.com/', audience: ['sluice', 'sluice-web'] } });
const SPEC = FUNCTIONS.find((spec) => spec.name === 'stream-reads')!;

type Statement = { Action: string | string[]; Resource: unknown; Effect: string };
const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** Every action the stream-reads role may take, with the resources it names. */
function streamReadsStatements({ stack, template }: { stack: SluiceStack; template: Template }): Statement[] {
  const roleRef = JSON.stringify(stack.resolve(stack.liveReads.function.role?.roleName));
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .map((resource) => resource.Properties as { Roles: unknown[]; PolicyDocument: { Statement: Statement[] } })
    .filter((properties) => properties.Roles.some((role) => JSON.stringify(role) === roleRef))
    .flatMap((properties) => properties.PolicyDocument.Statement);
}

describe('SluiceLiveReads in SluiceStack', () => {
  it('is the stream-reads function of the platform spec, with its own timeout above the live read\'s 60 s end', () => {
    assert.equal(SPEC.streamsResponses, true);
    assert.equal(SPEC.routes, undefined, 'not a route of the HTTP API');
    assert.ok(SPEC.timeoutSeconds > 60 && SPEC.timeoutSeconds <= 900, `timeout ${SPEC.timeoutSeconds} s`);
    assert.equal(iamStack.stack.liveReads.function, iamStack.stack.functions.functions['stream-reads']);
    iamStack.template.hasResourceProperties('AWS::Lambda::Function', { FunctionName: 'sluice-live-stream-reads', Timeout: SPEC.timeoutSeconds, MemorySize: SPEC.memoryMiB });
  });

  it('with IAM auth, puts an AWS_IAM function URL with response streaming in front of it, and only there', () => {
    const { stack, template } = iamStack;
    template.resourceCountIs('AWS::Lambda::Url', 1);
    template.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'AWS_IAM',
      InvokeMode: 'RESPONSE_STREAM',
      TargetFunctionArn: stack.resolve(stack.liveReads.function.functionArn),
    });
    // No public permission: only principals granted by IAM may invoke it.
    assert.deepEqual(Object.values(template.findResources('AWS::Lambda::Permission', { Properties: { Principal: '*' } })), []);
  });

  it('with JWT auth, uses auth type NONE and gives the function the issuer and audiences of the HTTP API\'s JWT authorizer', () => {
    const { stack, template } = jwtStack;
    template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE', InvokeMode: 'RESPONSE_STREAM', TargetFunctionArn: stack.resolve(stack.liveReads.function.functionArn) });
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { JwtConfiguration: { Issuer: 'https://issuer.example.com/', Audience: ['sluice', 'sluice-web'] } });
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'sluice-live-stream-reads',
      Environment: {
        Variables: Match.objectLike({ SLUICE_AUTH_MODE: 'jwt', [JWT_ISSUER_ENV_VAR]: 'https://issuer.example.com/', [JWT_AUDIENCE_ENV_VAR]: 'sluice,sluice-web' }),
      },
    });
    // The IAM stack's function checks no tokens.
    iamStack.template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'sluice-live-stream-reads',
      Environment: { Variables: Match.objectLike({ SLUICE_AUTH_MODE: 'iam', [JWT_ISSUER_ENV_VAR]: Match.absent() }) },
    });
  });

  it('lets the function read what a fetch reads, and write only quota usage and Durable Streams stream items and topics', () => {
    const { stack } = iamStack;
    const statements = streamReadsStatements(iamStack);
    const actionsOn = (arn: unknown) =>
      new Set(statements.filter((statement) => asArray(statement.Resource).some((resource) => JSON.stringify(resource).includes(JSON.stringify(stack.resolve(arn))))).flatMap((statement) => asArray(statement.Action)));
    const writes = (actions: Set<string>) => [...actions].filter((action) => /^dynamodb:(Put|Update|Delete|BatchWrite)|^s3:(Put|Delete)/.test(action));
    const { tables, bucket } = stack.storage;
    // Durable Streams reads record a sliding TTL's access (Log) and delete a stream found expired (Log, Topics).
    for (const id of ['Topics', 'Log'] as const) {
      const actions = actionsOn(tables[id].tableArn);
      assert.ok(actions.has('dynamodb:GetItem') && actions.has('dynamodb:Query'), `${id} read`);
      assert.ok(actions.has('dynamodb:UpdateItem') && actions.has('dynamodb:DeleteItem'), `${id} write`);
    }
    assert.deepEqual([...actionsOn(bucket.arnForObjects('*'))], ['s3:GetObject']);
    assert.deepEqual(writes(actionsOn(bucket.bucketArn)), []);
    // Quota usage is an atomic ADD on the Access table, as fetch-records does.
    assert.ok(actionsOn(tables.Access.tableArn).has('dynamodb:UpdateItem'));
    for (const id of ['Producers', 'Groups'] as const) assert.equal(actionsOn(tables[id].tableArn).size, 0, `nothing on ${id}`);
  });

  it('outputs the live-read URL, and gives the fetch route the URL its 501 names', () => {
    for (const { stack, template } of [iamStack, jwtStack]) {
      template.hasOutput('LiveReadUrl', { Value: stack.resolve(stack.liveReads.url), Description: Match.stringLikeRegexp('live=sse') });
      template.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: 'sluice-live-fetch-records',
        Environment: { Variables: Match.objectLike({ [LIVE_STREAM_URL_ENV_VAR]: stack.resolve(stack.liveReads.url) }) },
      });
    }
    const url = iamStack.stack.resolve(iamStack.stack.liveReads.url) as { 'Fn::GetAtt': [string, string] };
    assert.equal(url['Fn::GetAtt'][1], 'FunctionUrl');
    iamStack.template.hasResource('AWS::Lambda::Url', {});
    assert.equal(iamStack.template.toJSON().Resources[url['Fn::GetAtt'][0]].Type, 'AWS::Lambda::Url');
  });

  it('grants invoking the URL to an IAM principal with InvokeFunctionUrl and InvokeFunction via the URL, and refuses to with JWT auth', () => {
    // A stack of its own: the shared ones are synthesized already.
    const stack = stackOf();
    const reader = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
    stack.liveReads.grantInvokeUrl(reader);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: stack.getLogicalId(reader.node.defaultChild as never) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'lambda:InvokeFunctionUrl', Resource: stack.resolve(stack.liveReads.function.functionArn), Condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' } } }),
          Match.objectLike({ Action: 'lambda:InvokeFunction', Resource: stack.resolve(stack.liveReads.function.functionArn), Condition: { Bool: { 'lambda:InvokedViaFunctionUrl': true } } }),
        ]),
      },
    });
    assert.throws(() => jwtStack.stack.liveReads.grantInvokeUrl(new iam.Role(new Stack(), 'R', { assumedBy: new iam.AccountRootPrincipal() })), /bearer tokens/);
  });

  it('has no CORS on the URL by default, and with the stack\'s CORS origins lets their pages read from it', () => {
    iamStack.template.hasResourceProperties('AWS::Lambda::Url', { InvokeMode: 'RESPONSE_STREAM', Cors: Match.absent() });
    const withCors = synth({ corsOrigins: ['https://app.example.com'] });
    withCors.template.hasResourceProperties('AWS::Lambda::Url', {
      InvokeMode: 'RESPONSE_STREAM',
      Cors: {
        AllowOrigins: ['https://app.example.com'],
        AllowMethods: ['GET', 'HEAD'],
        AllowHeaders: Match.arrayWith(['authorization', 'last-event-id']),
        ExposeHeaders: Match.arrayWith(['stream-next-offset', 'stream-cursor']),
        MaxAge: 7200,
      },
    });
  });
});
