/**
 * The HTTP API's CORS (infra/constructs/sluice-http-api.ts): off unless origins are given;
 * with them, API Gateway's `corsPreflight` holds the rules of lib/protocol/cors.ts (the
 * same the local server applies), a preflight-only `OPTIONS /{proxy+}` route without
 * authorizer keeps `$default`'s authorizer from refusing preflights, every other route
 * keeps its authorizer, junk origins fail the synth, and cdk-nag stays clean.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { SluiceHttpApi, type SluiceHttpApiProps } from '../../../infra/constructs/sluice-http-api';
import { FUNCTIONS, type FunctionSpec } from '../../../infra/platform-spec';
import { SluiceStack } from '../../../infra/sluice-stack';
import { CORS_ALLOWED_HEADERS, CORS_EXPOSED_HEADERS, CORS_MAX_AGE_SECONDS } from '../../../lib/protocol/cors';

const cdkJson = JSON.parse(readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> };

const SPECS = [
  { name: 'list-topics', description: 'list', memoryMiB: 128, timeoutSeconds: 3, tables: {}, routes: [{ method: 'GET', path: '/v1/topics' }] },
  { name: 'route-not-found', description: 'default', memoryMiB: 128, timeoutSeconds: 3, tables: {}, defaultRoute: true },
] as const satisfies readonly FunctionSpec[];

function api(props: Partial<SluiceHttpApiProps> = {}, specs: readonly FunctionSpec[] = SPECS): { template: Template; api: SluiceHttpApi } {
  const stack = new Stack(new App(), 'Api');
  const functions = Object.fromEntries(
    specs.map((spec) => [spec.name, new lambda.Function(stack, spec.name, { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => ({})') })]),
  );
  const construct = new SluiceHttpApi(stack, 'Api', { functions, specs, authorizer: new HttpIamAuthorizer(), ...props });
  return { template: Template.fromStack(stack), api: construct };
}

function routeKeys(template: Template): Record<string, string> {
  return Object.fromEntries(
    Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((route) => {
      const properties = (route as { Properties: { RouteKey: string; AuthorizationType?: string } }).Properties;
      return [properties.RouteKey, properties.AuthorizationType ?? 'NONE'];
    }),
  );
}

describe('SluiceHttpApi CORS', () => {
  it('is off by default: no CorsConfiguration, no unauthenticated route', () => {
    const { template } = api();
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { CorsConfiguration: Match.absent() });
    assert.deepEqual(routeKeys(template), { 'GET /v1/topics': 'AWS_IAM', $default: 'AWS_IAM' });
  });

  it('configures API Gateway\'s CORS from the allowed origins with the shared rules, without credentials', () => {
    const { template, api: construct } = api({ corsOrigins: ['https://app.example.com', 'http://localhost:5173'] });
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: {
        AllowOrigins: ['https://app.example.com', 'http://localhost:5173'],
        AllowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
        AllowHeaders: [...CORS_ALLOWED_HEADERS],
        ExposeHeaders: [...CORS_EXPOSED_HEADERS],
        MaxAge: CORS_MAX_AGE_SECONDS,
        AllowCredentials: Match.absent(),
      },
    });
    assert.deepEqual(construct.corsOrigins, ['https://app.example.com', 'http://localhost:5173']);
  });

  it('allows every origin with *', () => {
    api({ corsOrigins: ['*'] }).template.hasResourceProperties('AWS::ApiGatewayV2::Api', { CorsConfiguration: Match.objectLike({ AllowOrigins: ['*'] }) });
  });

  it('adds OPTIONS /{proxy+} without authorizer, to the $default route\'s function, and keeps every other route authorized', () => {
    const { template } = api({ corsOrigins: ['https://app.example.com'] });
    assert.deepEqual(routeKeys(template), { 'GET /v1/topics': 'AWS_IAM', $default: 'AWS_IAM', 'OPTIONS /{proxy+}': 'NONE' });
    const targets = Object.fromEntries(
      Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((route) => {
        const properties = (route as { Properties: { RouteKey: string; Target: unknown } }).Properties;
        return [properties.RouteKey, JSON.stringify(properties.Target)];
      }),
    );
    assert.equal(targets['OPTIONS /{proxy+}'], targets.$default);
  });

  it('gives an ANY route an OPTIONS twin without authorizer on its path, since it would take preflights before OPTIONS /{proxy+}', () => {
    // A greedy ANY route, as the Durable Streams routes are (the method is cast: RouteSpec may not name ANY yet).
    const streams = { name: 'streams', description: 'streams', memoryMiB: 128, timeoutSeconds: 3, tables: {}, routes: [{ method: 'ANY', path: '/ds/{path+}' }] } as unknown as FunctionSpec;
    const { template, api: construct } = api({ corsOrigins: ['https://app.example.com'] }, [...SPECS, streams]);
    assert.deepEqual(routeKeys(template), {
      'GET /v1/topics': 'AWS_IAM',
      'ANY /ds/{path+}': 'AWS_IAM',
      $default: 'AWS_IAM',
      'OPTIONS /{proxy+}': 'NONE',
      'OPTIONS /ds/{path+}': 'NONE',
    });
    assert.equal(construct.preflightRoutes.length, 2);
    assert.deepEqual(routeKeys(api({}, [...SPECS, streams]).template), { 'GET /v1/topics': 'AWS_IAM', 'ANY /ds/{path+}': 'AWS_IAM', $default: 'AWS_IAM' });
  });

  it('fails the synth on an origin that is not one, naming the setting', () => {
    assert.throws(() => api({ corsOrigins: ['app.example.com'] }), /corsOrigins: 'app.example.com' is not an origin/);
    assert.throws(() => api({ corsOrigins: ['https://app.example.com/'] }), /corsOrigins: .*trailing slash/);
    assert.throws(() => api({ corsOrigins: ['*', 'https://app.example.com'] }), /'\*' allows every origin and stands alone/);
  });
});

describe('SluiceStack corsOrigins', () => {
  function stack(corsOrigins?: readonly string[]): { root: App; stack: SluiceStack } {
    const root = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
    return { root, stack: new SluiceStack(root, 'SluiceCors', { namePrefix: 'sluice-cors', ...(corsOrigins ? { corsOrigins } : {}) }) };
  }

  it('reaches the HTTP API, whose preflight routes alone have no authorizer, and cdk-nag acknowledges it with its reason', () => {
    const { root, stack: cors } = stack(['https://app.example.com']);
    const template = Template.fromStack(cors);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP', CorsConfiguration: Match.objectLike({ AllowOrigins: ['https://app.example.com'] }) });
    const open = Object.entries(routeKeys(template)).filter(([, authorization]) => authorization === 'NONE');
    // The watch API's WebSocket routes have no authorizer but $connect, by API Gateway's design; only HTTP routes count here.
    const anyPaths = FUNCTIONS.flatMap((spec) => (spec.routes ?? []).filter((route) => (route.method as string) === 'ANY').map((route) => `OPTIONS ${route.path}`));
    assert.deepEqual(open.filter(([key]) => key.includes(' ')).map(([key]) => key).sort(), ['OPTIONS /{proxy+}', ...anyPaths].sort());
    const report = new AwsSolutionsChecks(root).validateScope(cors);
    assert.deepEqual(report.violations.flatMap((violation) => violation.violatingResources.map((resource) => `${violation.ruleName} @ ${resource.constructPath}`)), []);
  });

  it('leaves CORS off without it', () => {
    Template.fromStack(stack().stack).hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP', CorsConfiguration: Match.absent() });
  });
});
