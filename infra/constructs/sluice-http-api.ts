import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  CORS_ALLOWED_HEADERS,
  CORS_ALLOWED_METHODS,
  CORS_EXPOSED_HEADERS,
  CORS_MAX_AGE_SECONDS,
  parseAllowedOrigins,
  PREFLIGHT_ROUTE,
} from '../../lib/protocol/cors';
import type { FunctionSpec } from '../platform-spec';
import { constructIdFor } from './sluice-functions';

export interface SluiceHttpApiProps {
  /** The functions by spec name, as `SluiceFunctions.functions`. */
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  /** Every spec's `routes` become routes integrated with that spec's function. */
  readonly specs: readonly FunctionSpec[];
  /** @default 'sluice' */
  readonly apiName?: string;
  /**
   * Throttling of the `$default` stage, applied to every route. Over the limit,
   * API Gateway answers 429 without invoking a function.
   *
   * @default - the account-level limits only
   */
  readonly throttle?: apigwv2.ThrottleSettings;
  /**
   * Retention of the access-log group.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Authorizer of every route (brief invariant 7). `SluiceStack` always passes one:
   * IAM by default, or JWT.
   *
   * @default - no authorizer: open routes (only for tests of this construct alone)
   */
  readonly authorizer?: apigwv2.IHttpRouteAuthorizer;
  /**
   * Origins whose pages may call the API from a browser: exact origins
   * (`https://app.example.com`, `http://localhost:5173`) or `['*']`. API Gateway's own CORS
   * answers their preflights and adds the CORS headers to every answer, with the methods,
   * request headers, exposed headers and max age of lib/protocol/cors.ts, the rules the
   * local server applies too. No credentials mode: callers send a token or a signature,
   * not cookies. Anything but an origin or `*` throws at synth.
   *
   * @default [] - no CORS: a page on another origin can read no answer
   */
  readonly corsOrigins?: readonly string[];
}

/**
 * Fields of one access-log line (JSON). HTTP API variables only: see
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging-variables.html
 */
const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  sourceIp: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  principal: '$context.identity.userArn',
  httpMethod: '$context.httpMethod',
  routeKey: '$context.routeKey',
  path: '$context.path',
  protocol: '$context.protocol',
  status: '$context.status',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationStatus: '$context.integrationStatus',
  integrationLatency: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  error: '$context.error.message',
  authorizerError: '$context.authorizer.error',
};

/**
 * The public HTTPS face of Sluice: an API Gateway HTTP API with one route per
 * `RouteSpec`, Lambda proxy integrations (payload format 2.0), and a `$default`
 * stage (URLs have no stage segment) with throttling and JSON access logs.
 */
export class SluiceHttpApi extends Construct {
  readonly httpApi: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  readonly accessLogs: logs.LogGroup;
  /** Base URL of the API, ending in `/`. */
  readonly url: string;
  /** The origins allowed to call from a browser, as validated; empty when CORS is off. */
  readonly corsOrigins: readonly string[];
  /** The OPTIONS routes without authorizer that let preflights through (`addPreflightRoutes`); none with CORS off. */
  readonly preflightRoutes: readonly apigwv2.HttpRoute[];

  constructor(scope: Construct, id: string, props: SluiceHttpApiProps) {
    super(scope, id);

    this.corsOrigins = parseAllowedOrigins((props.corsOrigins ?? []).join(','), 'corsOrigins');
    this.httpApi = new apigwv2.HttpApi(this, 'HttpApi', {
      apiName: props.apiName ?? 'sluice',
      description: 'Sluice: a serverless, Kafka-like event log',
      // The stage HttpApi would create takes no throttle or access-log settings.
      createDefaultStage: false,
      ...(this.corsOrigins.length > 0
        ? {
            corsPreflight: {
              allowOrigins: [...this.corsOrigins],
              allowMethods: CORS_ALLOWED_METHODS.map((method) => apigwv2.CorsHttpMethod[method]),
              allowHeaders: [...CORS_ALLOWED_HEADERS],
              exposeHeaders: [...CORS_EXPOSED_HEADERS],
              maxAge: Duration.seconds(CORS_MAX_AGE_SECONDS),
            },
          }
        : {}),
    });

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.stage = this.httpApi.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      ...(props.throttle ? { throttle: props.throttle } : {}),
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
    this.url = this.stage.url;

    const defaultSpec = props.specs.find((spec) => spec.defaultRoute);
    const defaultIntegration = defaultSpec ? this.addDefaultRoute(defaultSpec, props) : undefined;
    this.preflightRoutes = this.addPreflightRoutes(props.specs, defaultIntegration);
    for (const spec of props.specs) {
      if (!spec.routes?.length) continue;
      const fn = props.functions[spec.name];
      if (!fn) throw new Error(`No function for spec ${spec.name}, which has routes`);
      const integration = new HttpLambdaIntegration(`${constructIdFor(spec.name)}Integration`, fn, {
        payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
      });
      for (const route of spec.routes) {
        this.httpApi.addRoutes({
          path: route.path,
          methods: [apigwv2.HttpMethod[route.method]],
          integration,
          ...(props.authorizer ? { authorizer: props.authorizer } : {}),
        });
      }
    }
  }

  /** API Gateway's `$default` route: requests no other route matches, answered by the spec's function in the API's error shape. */
  private addDefaultRoute(spec: FunctionSpec, props: SluiceHttpApiProps): HttpLambdaIntegration {
    const fn = props.functions[spec.name];
    if (!fn) throw new Error(`No function for spec ${spec.name}, which serves the $default route`);
    const integration = new HttpLambdaIntegration(`${constructIdFor(spec.name)}Integration`, fn, {
      payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
    });
    new apigwv2.HttpRoute(this, 'DefaultRoute', {
      httpApi: this.httpApi,
      routeKey: apigwv2.HttpRouteKey.DEFAULT,
      integration,
      ...(props.authorizer ? { authorizer: props.authorizer } : {}),
    });
    return integration;
  }

  /**
   * With CORS on, the OPTIONS routes without authorizer that let preflights through, served
   * by the `$default` route's function (a preflight gets an empty 204, to which API Gateway
   * adds the CORS headers; anything else is authenticated). `$default` catches OPTIONS too,
   * authorizer first, and a preflight carries no credentials, so without them no preflight
   * would pass (API Gateway's http-api-cors page gives this remedy). API Gateway routes by
   * path and method, then a greedy path with the method, then `$default`: `OPTIONS
   * /{proxy+}` takes every path whose routes name their methods, and an `ANY` route needs
   * an `OPTIONS` twin on its own path, since it would take the preflight first.
   */
  private addPreflightRoutes(specs: readonly FunctionSpec[], integration: HttpLambdaIntegration | undefined): apigwv2.HttpRoute[] {
    if (this.corsOrigins.length === 0) return [];
    if (!integration) throw new Error('corsOrigins: no spec serves the $default route, whose function answers preflights');
    const anyPaths = specs.flatMap((spec) => (spec.routes ?? []).filter((route) => (route.method as string) === 'ANY').map((route) => route.path));
    return [PREFLIGHT_ROUTE.path, ...new Set(anyPaths)].map(
      (path) =>
        new apigwv2.HttpRoute(this, path === PREFLIGHT_ROUTE.path ? 'PreflightRoute' : `PreflightRoute${path.replace(/[^A-Za-z0-9]/g, '')}`, {
          httpApi: this.httpApi,
          routeKey: apigwv2.HttpRouteKey.with(path, apigwv2.HttpMethod[PREFLIGHT_ROUTE.method]),
          integration,
        }),
    );
  }
}
