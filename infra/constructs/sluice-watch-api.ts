import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AccessLogFormat, CfnAccount } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { FunctionSpec } from '../platform-spec';
import { constructIdFor } from './sluice-functions';

export interface SluiceWatchApiProps {
  /** The functions by spec name, as `SluiceFunctions.functions`. */
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  /** Every spec's `webSocketRoutes` become routes integrated with that spec's function. */
  readonly specs: readonly FunctionSpec[];
  /** @default 'sluice-watch' */
  readonly apiName?: string;
  /**
   * The stage: part of the URL (`wss://{apiId}.execute-api.{region}.amazonaws.com/{stage}`).
   *
   * @default 'live'
   */
  readonly stageName?: string;
  /**
   * Throttling of the stage: messages per second across all connections (connects
   * included). Over it API Gateway refuses the message without invoking a function.
   *
   * @default { rateLimit: 100, burstLimit: 200 }
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
   * API Gateway writes a WebSocket API's access logs with the account's CloudWatch role
   * (an account and region setting, shared by every REST and WebSocket API there); a stage
   * with logging cannot be created without one. `true` creates the standard role (AWS
   * managed policy AmazonAPIGatewayPushToCloudWatchLogs), kept when the stack is deleted
   * so the setting stays valid, and points the account setting at it, replacing any role
   * set before. Pass `false` when the account already has one.
   *
   * @default true
   */
  readonly cloudWatchRole?: boolean;
}

/** The stage's throttle when none is given: arming is rare (once per consumer per fetch at the tail). */
export const DEFAULT_WATCH_THROTTLE: apigwv2.ThrottleSettings = { rateLimit: 100, burstLimit: 200 };

/** Fields of one access-log line (JSON); WebSocket API context variables only. */
const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  eventType: '$context.eventType',
  routeKey: '$context.routeKey',
  connectionId: '$context.connectionId',
  status: '$context.status',
  sourceIp: '$context.identity.sourceIp',
  principal: '$context.identity.userArn',
  error: '$context.error.message',
};

/** The `ping` route's answer, sent by API Gateway itself (lib/protocol/watch.ts, `PongMessage`). */
export const PONG = JSON.stringify({ type: 'pong' });

/**
 * Waiting at the tail (docs/design.md): an API Gateway WebSocket API a consumer holds one
 * connection to while it waits for records, billed per connection-minute with no function
 * running in between. `$connect` requires IAM (SigV4) and is accepted by its function;
 * `watch`, `check`, `bind` and `$default` (anything else: answered with a `watch-error`) go to
 * the watch function; `$disconnect` to watch-disconnect, which starts the session timeout of
 * the group members bound to the closed connection; `ping` is answered `pong` by a MOCK integration with a route response, so a
 * keep-alive runs no function. Route selection is `$request.body.action`. The stage has
 * throttling and JSON access logs.
 *
 * Functions that post to connections get `grantManageConnections` and the management
 * endpoint (`managementEndpoint`, for `SLUICE_WATCH_ENDPOINT`).
 */
export class SluiceWatchApi extends Construct {
  readonly webSocketApi: apigwv2.WebSocketApi;
  readonly stage: apigwv2.WebSocketStage;
  readonly accessLogs: logs.LogGroup;
  /** The routes by route key (`$connect`, `$disconnect`, `watch`, `check`, `bind`, `$default`, `ping`). */
  readonly routes: Record<string, apigwv2.CfnRoute>;
  /** Where consumers connect: `wss://{apiId}.execute-api.{region}.amazonaws.com/{stage}`. */
  readonly url: string;
  /** The management API (`POST /@connections/{id}`): `https://{apiId}.execute-api.{region}.amazonaws.com/{stage}`. */
  readonly managementEndpoint: string;
  /** The account's API Gateway CloudWatch role, when this construct set it (`cloudWatchRole`). */
  readonly cloudWatchRole?: iam.Role;

  constructor(scope: Construct, id: string, props: SluiceWatchApiProps) {
    super(scope, id);
    this.webSocketApi = new apigwv2.WebSocketApi(this, 'WebSocketApi', {
      apiName: props.apiName ?? 'sluice-watch',
      description: 'Sluice: consumers wait at the tail of partitions here, one connection each, with no function running while they wait',
      routeSelectionExpression: '$request.body.action',
    });
    this.routes = {};
    const authorizer = new WebSocketIamAuthorizer();
    for (const spec of props.specs) {
      for (const routeKey of spec.webSocketRoutes ?? []) {
        const fn = props.functions[spec.name];
        if (!fn) throw new Error(`No function for spec ${spec.name}, which serves WebSocket route ${routeKey}`);
        const route = this.webSocketApi.addRoute(routeKey, {
          integration: new WebSocketLambdaIntegration(`${constructIdFor(spec.name)}${routeIdOf(routeKey)}Integration`, fn),
          // A WebSocket API authorizes the connect only; later messages run on the authenticated connection.
          ...(routeKey === '$connect' ? { authorizer } : {}),
        });
        this.routes[routeKey] = route.node.defaultChild as apigwv2.CfnRoute;
      }
    }
    this.routes.ping = this.addPingRoute();

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.stage = new apigwv2.WebSocketStage(this, 'Stage', {
      webSocketApi: this.webSocketApi,
      stageName: props.stageName ?? 'live',
      autoDeploy: true,
      throttle: props.throttle ?? DEFAULT_WATCH_THROTTLE,
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
    this.url = this.stage.url;
    this.managementEndpoint = this.stage.callbackUrl;
    if (props.cloudWatchRole ?? true) {
      this.cloudWatchRole = new iam.Role(this, 'CloudWatchRole', {
        assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
        description: "API Gateway's account role for writing REST and WebSocket API logs to CloudWatch",
        managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonAPIGatewayPushToCloudWatchLogs')],
      });
      // The account setting outlives the stack; so must the role it names.
      this.cloudWatchRole.applyRemovalPolicy(RemovalPolicy.RETAIN);
      const account = new CfnAccount(this, 'Account', { cloudWatchRoleArn: this.cloudWatchRole.roleArn });
      this.stage.node.addDependency(account);
    }
  }

  /**
   * Allows `grantee` to post to this API's connections and nothing else: `POST` on
   * `@connections/*` of this stage (connection ids are only known at run time).
   */
  grantManageConnections(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['execute-api:ManageConnections'],
      resourceArns: [this.connectionsArn()],
    });
  }

  /** `arn:…:execute-api:{region}:{account}:{apiId}/{stage}/POST/@connections/*`. */
  connectionsArn(): string {
    return Stack.of(this).formatArn({ service: 'execute-api', resource: this.webSocketApi.apiId, resourceName: `${this.stage.stageName}/POST/@connections/*` });
  }

  /** `ping` → `pong` without a function: a MOCK integration whose integration response is the route's response. */
  private addPingRoute(): apigwv2.CfnRoute {
    const apiId = this.webSocketApi.apiId;
    const integration = new apigwv2.CfnIntegration(this, 'PingIntegration', {
      apiId,
      integrationType: 'MOCK',
      requestTemplates: { $default: JSON.stringify({ statusCode: 200 }) },
      templateSelectionExpression: '\\$default',
    });
    new apigwv2.CfnIntegrationResponse(this, 'PingIntegrationResponse', {
      apiId,
      integrationId: integration.ref,
      integrationResponseKey: '$default',
      responseTemplates: { $default: PONG },
      templateSelectionExpression: '\\$default',
    });
    const route = new apigwv2.CfnRoute(this, 'PingRoute', {
      apiId,
      routeKey: 'ping',
      authorizationType: 'NONE',
      target: `integrations/${integration.ref}`,
      // Two-way: the integration response goes back to the client.
      routeResponseSelectionExpression: '$default',
    });
    new apigwv2.CfnRouteResponse(this, 'PingRouteResponse', { apiId, routeId: route.ref, routeResponseKey: '$default' });
    return route;
  }
}

/** `$connect` → `Connect`, `watch` → `Watch`: a route key as part of a construct id. */
function routeIdOf(routeKey: string): string {
  return constructIdFor(routeKey.replace(/^\$/, ''));
}
