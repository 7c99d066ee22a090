/**
 * The watch API (infra/constructs/sluice-watch-api.ts) as SluiceStack deploys it: a
 * WebSocket API with IAM on $connect, the routes the platform spec names, ping answered
 * without a function, a throttled and logged stage, ManageConnections granted to exactly
 * the functions that post and only on this API's connections, and the notify-watchers
 * trigger filtered to watched heads.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { DEFAULT_WATCH_THROTTLE, PONG } from '../../infra/constructs/sluice-watch-api';
import { FUNCTIONS } from '../../infra/platform-spec';
import { SluiceStack } from '../../infra/sluice-stack';
import { WATCH_ENDPOINT_ENV_VAR } from '../../lib/store/connection-poster';
import { HEAD_SORT_KEY } from '../../lib/store/partition-head-store';

const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> };
const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
const stack = new SluiceStack(app, 'WatchTest', { namePrefix: 'sluice-test' });
const template = Template.fromStack(stack);
const watchApi = stack.watchApi!;
const resolved = (value: unknown) => Stack.of(stack).resolve(value);
const ofWatchApi = { ApiId: resolved(watchApi.webSocketApi.apiId) };

type Json = Record<string, any>;

/** The route with this key on the watch API, and the integration it targets. */
function route(routeKey: string): { route: Json; integration: Json } {
  const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route', { Properties: { ...ofWatchApi, RouteKey: routeKey } }));
  assert.equal(routes.length, 1, `one ${routeKey} route`);
  const properties = routes[0]!.Properties as Json;
  const target = JSON.stringify(properties.Target);
  const [id] = Object.entries(template.toJSON().Resources as Record<string, Json>).find(([logicalId, resource]) => resource.Type === 'AWS::ApiGatewayV2::Integration' && target.includes(`"${logicalId}"`))!;
  return { route: properties, integration: (template.toJSON().Resources as Record<string, Json>)[id]!.Properties };
}

describe('SluiceWatchApi in the default stack', () => {
  it('is a WebSocket API selecting routes by the body\'s action', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'WEBSOCKET', RouteSelectionExpression: '$request.body.action' });
  });

  it('authenticates $connect with IAM and accepts it in watch-connect', () => {
    const connect = route('$connect');
    assert.equal(connect.route.AuthorizationType, 'AWS_IAM');
    assert.equal(connect.integration.IntegrationType, 'AWS_PROXY');
    assert.ok(JSON.stringify(connect.integration.IntegrationUri).includes(stack.getLogicalId(stack.functions.functions['watch-connect']!.node.defaultChild as never)));
  });

  it('sends watch, check, bind and $default (non-JSON, unknown actions) to the watch function', () => {
    const watchFn = stack.getLogicalId(stack.functions.functions.watch!.node.defaultChild as never);
    for (const key of ['watch', 'check', 'bind', '$default']) {
      const { integration } = route(key);
      assert.equal(integration.IntegrationType, 'AWS_PROXY', key);
      assert.ok(JSON.stringify(integration.IntegrationUri).includes(watchFn), key);
    }
  });

  it('has exactly the routes $connect, $disconnect, watch, check, bind, $default and ping', () => {
    const keys = Object.values(template.findResources('AWS::ApiGatewayV2::Route', { Properties: ofWatchApi })).map((r) => (r.Properties as Json).RouteKey).sort();
    assert.deepEqual(keys, ['$connect', '$default', '$disconnect', 'bind', 'check', 'ping', 'watch']);
  });

  it('sends $disconnect, without an authorizer, to watch-disconnect, which may touch the Groups table alone', () => {
    const disconnect = route('$disconnect');
    assert.equal(disconnect.route.AuthorizationType, 'NONE');
    assert.equal(disconnect.integration.IntegrationType, 'AWS_PROXY');
    const fn = stack.functions.functions['watch-disconnect']!;
    assert.ok(JSON.stringify(disconnect.integration.IntegrationUri).includes(stack.getLogicalId(fn.node.defaultChild as never)));
    const role = JSON.stringify(resolved(fn.role!.roleName));
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .map((policy) => policy.Properties as Json)
      .filter((properties) => properties.Roles.some((r: unknown) => JSON.stringify(r) === role))
      .flatMap((properties) => properties.PolicyDocument.Statement as Json[]);
    const tables = statements.filter((statement) => [statement.Action].flat().some((a: string) => a.startsWith('dynamodb:')));
    assert.ok(tables.length > 0);
    const groups = stack.getLogicalId(stack.storage.tables.Groups.node.defaultChild as never);
    for (const statement of tables) for (const resource of [statement.Resource].flat()) assert.ok(JSON.stringify(resource).includes(groups), JSON.stringify(resource));
    assert.ok(!statements.some((statement) => [statement.Action].flat().includes('execute-api:ManageConnections')), 'posts nothing');
  });

  it('answers ping with pong from a MOCK integration and a route response: no function runs', () => {
    const ping = route('ping');
    assert.equal(ping.integration.IntegrationType, 'MOCK');
    assert.equal(ping.route.RouteResponseSelectionExpression, '$default');
    template.hasResourceProperties('AWS::ApiGatewayV2::IntegrationResponse', { ...ofWatchApi, IntegrationResponseKey: '$default', ResponseTemplates: { $default: PONG } });
    template.hasResourceProperties('AWS::ApiGatewayV2::RouteResponse', { ...ofWatchApi, RouteResponseKey: '$default' });
  });

  it('serves a throttled, auto-deployed stage that writes JSON access logs', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      ...ofWatchApi,
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: DEFAULT_WATCH_THROTTLE.rateLimit, ThrottlingBurstLimit: DEFAULT_WATCH_THROTTLE.burstLimit },
      AccessLogSettings: {
        DestinationArn: resolved(watchApi.accessLogs.logGroupArn),
        Format: Match.serializedJson(Match.objectLike({ connectionId: '$context.connectionId', routeKey: '$context.routeKey', principal: '$context.identity.userArn' })),
      },
    });
  });

  it('grants execute-api:ManageConnections to exactly the functions that post, on POST @connections/* of this stage only', () => {
    const posting = FUNCTIONS.filter((spec) => spec.managesConnections).map((spec) => spec.name).sort();
    // durable-streams appends through produce, which posts `ready` to the topic's WebSocket watchers.
    assert.deepEqual(posting, ['coordinate-groups', 'create-partitions', 'durable-streams', 'notify-watchers', 'produce-records', 'watch']);
    const connections = JSON.stringify(resolved(watchApi.connectionsArn()));
    assert.ok(connections.includes('/POST/@connections/*'));
    const granted: string[] = [];
    for (const [name, fn] of Object.entries(stack.functions.functions)) {
      const role = JSON.stringify(resolved(fn.role!.roleName));
      const statements = Object.values(template.findResources('AWS::IAM::Policy'))
        .map((policy) => policy.Properties as Json)
        .filter((properties) => properties.Roles.some((r: unknown) => JSON.stringify(r) === role))
        .flatMap((properties) => properties.PolicyDocument.Statement as Json[]);
      const manage = statements.filter((statement) => [statement.Action].flat().includes('execute-api:ManageConnections'));
      if (manage.length === 0) continue;
      granted.push(name);
      assert.deepEqual(manage.map((statement) => [statement.Action, JSON.stringify(statement.Resource)]), [['execute-api:ManageConnections', connections]], name);
    }
    assert.deepEqual(granted.sort(), posting);
  });

  it('tells the posting functions the management endpoint', () => {
    for (const name of ['produce-records', 'durable-streams', 'watch', 'notify-watchers', 'coordinate-groups', 'create-partitions']) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: `sluice-test-${name}`,
        Environment: { Variables: Match.objectLike({ [WATCH_ENDPOINT_ENV_VAR]: resolved(watchApi.managementEndpoint) }) },
      });
    }
  });

  it('triggers notify-watchers only on head inserts and updates that carry watchedUntil', () => {
    const fn = stack.getLogicalId(stack.functions.functions['notify-watchers']!.node.defaultChild as never);
    const mappings = Object.values(template.findResources('AWS::Lambda::EventSourceMapping')).filter((m) => JSON.stringify((m.Properties as Json).FunctionName).includes(fn));
    assert.equal(mappings.length, 1);
    const filters = ((mappings[0]!.Properties as Json).FilterCriteria.Filters as { Pattern: string }[]).map((f) => JSON.parse(f.Pattern));
    assert.deepEqual(filters, [
      { eventName: ['INSERT', 'MODIFY'], dynamodb: { Keys: { sk: { S: [HEAD_SORT_KEY] } }, NewImage: { watchedUntil: { N: [{ exists: true }] } } } },
    ]);
  });

  it("sets the account's API Gateway CloudWatch role, which a logged WebSocket stage needs, kept when the stack goes, before the stage", () => {
    const role = stack.getLogicalId(watchApi.cloudWatchRole!.node.defaultChild as never);
    const resources = template.toJSON().Resources as Record<string, Json>;
    assert.equal(resources[role]!.DeletionPolicy, 'Retain');
    assert.ok(JSON.stringify(resources[role]!.Properties.ManagedPolicyArns).includes('AmazonAPIGatewayPushToCloudWatchLogs'));
    assert.ok(JSON.stringify(resources[role]!.Properties.AssumeRolePolicyDocument).includes('apigateway.amazonaws.com'));
    const [account] = Object.entries(template.findResources('AWS::ApiGateway::Account'));
    assert.ok(account);
    assert.deepEqual((account[1].Properties as Json).CloudWatchRoleArn, { 'Fn::GetAtt': [role, 'Arn'] });
    const stage = Object.values(template.findResources('AWS::ApiGatewayV2::Stage', { Properties: ofWatchApi }))[0]!;
    assert.ok([stage.DependsOn].flat().includes(account[0]));
  });

  it('outputs the WebSocket URL', () => {
    template.hasOutput('WatchUrl', { Value: resolved(watchApi.url) });
  });

  it('expires watcher items by TTL on the Log table', () => {
    const log = stack.getLogicalId(stack.storage.tables.Log.node.defaultChild as never);
    const table = (template.toJSON().Resources as Record<string, Json>)[log]!;
    assert.deepEqual(table.Properties.TimeToLiveSpecification, { AttributeName: 'expiresAtSeconds', Enabled: true });
  });
});

describe('SluiceStack without the watch API', () => {
  it('refuses watch with JWT auth, which WebSocket APIs cannot verify', () => {
    const other = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
    assert.throws(() => new SluiceStack(other, 'Jwt', { auth: { type: 'jwt', issuer: 'https://issuer.example.com/', audience: ['sluice'] }, watch: true }), /IAM only/);
  });

  it('deploys none with watch: false, and the posting functions get no endpoint and no grant', () => {
    const other = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
    const off = Template.fromStack(new SluiceStack(other, 'Off', { namePrefix: 'sluice-off', watch: false }));
    off.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    off.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'sluice-off-produce-records',
      Environment: { Variables: Match.objectLike({ [WATCH_ENDPOINT_ENV_VAR]: Match.absent() }) },
    });
    assert.ok(!JSON.stringify(off.toJSON()).includes('execute-api:ManageConnections'));
    off.resourceCountIs('AWS::ApiGateway::Account', 0);
  });

  it('leaves the account CloudWatch role alone with watchCloudWatchRole: false', () => {
    const other = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
    const kept = Template.fromStack(new SluiceStack(other, 'Kept', { namePrefix: 'sluice-kept', watchCloudWatchRole: false }));
    kept.resourceCountIs('AWS::ApiGateway::Account', 0);
    kept.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'WEBSOCKET' });
  });
});
