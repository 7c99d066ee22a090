import { RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
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

  constructor(scope: Construct, id: string, props: SluiceHttpApiProps) {
    super(scope, id);

    this.httpApi = new apigwv2.HttpApi(this, 'HttpApi', {
      apiName: props.apiName ?? 'sluice',
      description: 'Sluice: a serverless, Kafka-like event log',
      // The stage HttpApi would create takes no throttle or access-log settings.
      createDefaultStage: false,
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

    for (const spec of props.specs) {
      if (spec.defaultRoute) this.addDefaultRoute(spec, props);
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
  private addDefaultRoute(spec: FunctionSpec, props: SluiceHttpApiProps): void {
    const fn = props.functions[spec.name];
    if (!fn) throw new Error(`No function for spec ${spec.name}, which serves the $default route`);
    new apigwv2.HttpRoute(this, 'DefaultRoute', {
      httpApi: this.httpApi,
      routeKey: apigwv2.HttpRouteKey.DEFAULT,
      integration: new HttpLambdaIntegration(`${constructIdFor(spec.name)}Integration`, fn, {
        payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
      }),
      ...(props.authorizer ? { authorizer: props.authorizer } : {}),
    });
  }
}
