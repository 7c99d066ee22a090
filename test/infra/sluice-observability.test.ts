/**
 * SluiceObservability: the dashboard and alarms, in the full stack (one set per
 * FUNCTIONS entry and stream trigger) and alone with its props.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { METRIC_NAMES } from '../../lib/observability/metrics';
import { SluiceObservability, type AlarmSet } from '../../infra/constructs/sluice-observability';
import { FUNCTIONS, type FunctionSpec } from '../../infra/platform-spec';
import { SluiceStack } from '../../infra/sluice-stack';

interface CdkJson {
  readonly context: Record<string, unknown>;
}
const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as CdkJson;
type Json = Record<string, unknown>;

const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
/** The full per-function set, opted into with `alarms: 'all'` (`-c alarms=all`). */
const stack = new SluiceStack(app, 'SluiceObs', { namePrefix: 'sluice-obs', alarms: 'all', dashboard: true });
const template = Template.fromStack(stack);
const { observability, functions } = stack;
const triggered = FUNCTIONS.filter((spec) => spec.trigger);
const scheduled = FUNCTIONS.filter((spec) => spec.schedule);
/** The default. */
const essentialApp = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
const essentialStack = new SluiceStack(essentialApp, 'SluiceObsEssential', { namePrefix: 'sluice-obs-essential' });
const essentialTemplate = Template.fromStack(essentialStack);

/** Alarm metrics as CloudWatch bills them: one per metric an alarm reads (a metric-math alarm's every metric). */
function billedAlarmMetrics(owned: Template): number {
  return Object.values(owned.findResources('AWS::CloudWatch::Alarm')).reduce((sum, alarm) => {
    const metrics = (alarm.Properties as Json).Metrics as { MetricStat?: unknown }[] | undefined;
    return sum + (metrics ? metrics.filter((metric) => metric.MetricStat).length : 1);
  }, 0);
}

function alarmProperties(alarm: { node: { defaultChild?: unknown } }, owner: Stack = stack, owned: Template = template): Json {
  const id = owner.getLogicalId(alarm.node.defaultChild as never);
  return (owned.toJSON().Resources[id] as { Properties: Json }).Properties;
}

/** The dashboard body with every token rendered as its CloudFormation form. */
function dashboardBody(owned: Template = template): string {
  const dashboards = Object.values(owned.findResources('AWS::CloudWatch::Dashboard'));
  assert.equal(dashboards.length, 1);
  return JSON.stringify((dashboards[0]!.Properties as Json).DashboardBody);
}

describe('SluiceObservability in the stack, by default (essential alarms)', () => {
  const { observability: essential, functions: essentialFunctions } = essentialStack;

  it('alarms on API 5xx, on the summed errors of the scheduled functions, and on each dead-letter queue; nothing per function', () => {
    assert.equal(essential.alarmSet, 'essential');
    const expected = 1 + Math.ceil(scheduled.length / 10) + triggered.length;
    essentialTemplate.resourceCountIs('AWS::CloudWatch::Alarm', expected);
    assert.equal(essential.alarms.length, expected);
    assert.deepEqual(essential.errorAlarms, {});
    assert.deepEqual(essential.throttleAlarms, {});
    assert.deepEqual(essential.iteratorAgeAlarms, {});
    assert.deepEqual(Object.keys(essential.deadLetterAlarms).sort(), triggered.map((spec) => spec.name).sort());
    // One alarm metric per API, schedule and trigger: within CloudWatch's 10 free alarm metrics for today's functions.
    assert.equal(billedAlarmMetrics(essentialTemplate), 1 + scheduled.length + triggered.length);
    assert.ok(billedAlarmMetrics(essentialTemplate) < billedAlarmMetrics(template) / 5, `${billedAlarmMetrics(essentialTemplate)} vs ${billedAlarmMetrics(template)}`);
  });

  it('sums the Errors of every scheduled function in one metric-math alarm that notifies the alarm topic', () => {
    const [alarm] = essential.scheduleErrorAlarms;
    assert.ok(alarm);
    const properties = alarmProperties(alarm, essentialStack, essentialTemplate);
    const metrics = properties.Metrics as Json[];
    const expression = metrics.find((metric) => metric.Expression)!;
    assert.match(String(expression.Expression), /^SUM\(\[e\d(,e\d)*\]\)$/);
    assert.equal(expression.ReturnData, true);
    const read = metrics.filter((metric) => metric.MetricStat).map((metric) => metric.MetricStat as Json);
    assert.deepEqual(
      read.map((stat) => [(stat.Metric as Json).MetricName, ((stat.Metric as Json).Dimensions as Json[])[0]!.Value, stat.Stat, stat.Period]),
      scheduled.map((spec) => ['Errors', essentialStack.resolve(essentialFunctions.functions[spec.name]!.functionName), 'Sum', 300]),
    );
    assert.deepEqual(
      Match.objectLike({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching', AlarmActions: [essentialStack.resolve(essential.alarmTopic.topicArn)] })
        .test(properties)
        .toHumanStrings(),
      [],
    );
  });

  it('creates no dashboard unless asked for (CloudWatch bills it $3 a month)', () => {
    essentialTemplate.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    assert.equal(essential.dashboard, undefined);
  });
});

describe('SluiceObservability in the stack, with alarms: all', () => {
  it('alarms on errors and on throttles of every function, and on API 5xx answers', () => {
    for (const spec of FUNCTIONS) {
      const fn = functions.functions[spec.name]!;
      for (const [alarm, metricName] of [
        [observability.errorAlarms[spec.name], 'Errors'],
        [observability.throttleAlarms[spec.name], 'Throttles'],
      ] as const) {
        assert.ok(alarm, `${spec.name} ${metricName}`);
        assert.deepEqual(
          Match.objectLike({
            Namespace: 'AWS/Lambda',
            MetricName: metricName,
            Dimensions: [{ Name: 'FunctionName', Value: stack.resolve(fn.functionName) }],
            Statistic: 'Sum',
            Period: 300,
            Threshold: 0,
            ComparisonOperator: 'GreaterThanThreshold',
            EvaluationPeriods: 1,
            TreatMissingData: 'notBreaching',
          })
            .test(alarmProperties(alarm))
            .toHumanStrings(),
          [],
        );
      }
    }
    assert.deepEqual(
      Match.objectLike({ Namespace: 'AWS/ApiGateway', MetricName: '5xx', Statistic: 'Sum', Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' })
        .test(alarmProperties(observability.apiServerErrorAlarm!))
        .toHumanStrings(),
      [],
    );
  });

  it('alarms when a stream trigger dead-letter queue holds a message', () => {
    assert.deepEqual(Object.keys(observability.deadLetterAlarms).sort(), triggered.map((spec) => spec.name).sort());
    for (const spec of triggered) {
      const queue = functions.deadLetterQueues[spec.name]!;
      assert.deepEqual(
        Match.objectLike({
          Namespace: 'AWS/SQS',
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Dimensions: [{ Name: 'QueueName', Value: stack.resolve(queue.queueName) }],
          Statistic: 'Maximum',
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
        })
          .test(alarmProperties(observability.deadLetterAlarms[spec.name]!))
          .toHumanStrings(),
        [],
      );
    }
  });

  it('alarms when a stream trigger falls five minutes behind its stream, in 3 of 5 minutes', () => {
    assert.deepEqual(Object.keys(observability.iteratorAgeAlarms).sort(), triggered.map((spec) => spec.name).sort());
    for (const spec of triggered) {
      assert.deepEqual(
        Match.objectLike({
          Namespace: 'AWS/Lambda',
          MetricName: 'IteratorAge',
          Dimensions: [{ Name: 'FunctionName', Value: stack.resolve(functions.functions[spec.name]!.functionName) }],
          Statistic: 'Maximum',
          Period: 60,
          Threshold: 300_000,
          EvaluationPeriods: 5,
          DatapointsToAlarm: 3,
          ComparisonOperator: 'GreaterThanThreshold',
        })
          .test(alarmProperties(observability.iteratorAgeAlarms[spec.name]!))
          .toHumanStrings(),
        [],
      );
    }
  });

  it('creates exactly these alarms, each notifying the alarm topic on ALARM and on OK', () => {
    const expected = 1 + 2 * FUNCTIONS.length + 2 * triggered.length;
    template.resourceCountIs('AWS::CloudWatch::Alarm', expected);
    assert.equal(observability.alarms.length, expected);
    const topic = stack.resolve(observability.alarmTopic.topicArn);
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      const properties = alarm.Properties as Json;
      assert.deepEqual(properties.AlarmActions, [topic]);
      assert.deepEqual(properties.OKActions, [topic]);
      assert.equal(typeof properties.AlarmDescription, 'string');
    }
  });

  it('creates an alarm topic that denies publishing without TLS', () => {
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [stack.resolve(observability.alarmTopic.topicArn)],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('names the dashboard after the stage', () => {
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'sluice-obs' });
  });

  it('shows the API requests, latency, 4xx and 5xx', () => {
    const body = dashboardBody();
    for (const metric of ['Count', 'Latency', 'IntegrationLatency', '4xx', '5xx']) assert.ok(body.includes(`\\"AWS/ApiGateway\\",\\"${metric}\\"`), metric);
    assert.ok(body.includes(JSON.stringify(stack.resolve(stack.api.httpApi.apiId)).slice(1, -1)), 'the API id');
  });

  it("shows every function's errors, throttles and duration", () => {
    const body = dashboardBody();
    for (const metric of ['Errors', 'Throttles', 'Duration']) assert.ok(body.includes(`\\"AWS/Lambda\\",\\"${metric}\\"`), metric);
    for (const spec of FUNCTIONS) {
      const name = JSON.stringify(stack.resolve(functions.functions[spec.name]!.functionName)).slice(1, -1);
      assert.ok(body.includes(name), spec.name);
    }
  });

  it('shows every Sluice EMF metric, in the Sluice namespace with service=sluice', () => {
    const body = dashboardBody();
    for (const metric of METRIC_NAMES) assert.ok(body.includes(`\\"Sluice\\",\\"${metric}\\",\\"service\\",\\"sluice\\"`), metric);
  });

  it('shows dead-letter queue depth and iterator age of each stream trigger, and every alarm', () => {
    const body = dashboardBody();
    assert.ok(body.includes('ApproximateNumberOfMessagesVisible'));
    assert.ok(body.includes('IteratorAge'));
    assert.ok(body.includes('\\"type\\":\\"alarm\\"'));
    for (const alarm of observability.alarms) {
      assert.ok(body.includes(JSON.stringify(stack.resolve(alarm.alarmArn)).slice(1, -1)), alarm.node.id);
    }
  });
});

describe('SluiceObservability props', () => {
  type Props = { alarmTopic?: sns.ITopic; alarmEmails?: string[]; iteratorAgeThreshold?: Duration; alarmPeriod?: Duration; alarms?: AlarmSet; dashboard?: boolean };
  function standalone(propsIn: Props | ((owner: Stack) => Props)) {
    const root = new App();
    const owner = new Stack(root, 'Alone');
    const props = typeof propsIn === 'function' ? propsIn(owner) : propsIn;
    const code = lambda.Code.fromInline('export const handler = async () => {};');
    const fn = (id: string) => new lambda.Function(owner, id, { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code });
    const specs: FunctionSpec[] = [
      { name: 'api', description: 'GET /x', memoryMiB: 128, timeoutSeconds: 3, tables: {}, routes: [{ method: 'GET', path: '/x' }] },
      {
        name: 'worker',
        description: 'stream',
        memoryMiB: 128,
        timeoutSeconds: 3,
        tables: {},
        trigger: { table: 'Log', batchSize: 10, maxBatchingWindowSeconds: 0, startingPosition: 'LATEST', retryAttempts: 1, bisectBatchOnError: true, maxRecordAgeSeconds: 60, reportBatchItemFailures: true },
      },
    ];
    const observed = new SluiceObservability(owner, 'Obs', {
      functions: { api: fn('Api'), worker: fn('Worker') },
      specs,
      deadLetterQueues: { worker: new sqs.Queue(owner, 'Dlq', { enforceSSL: true }) },
      httpApi: new apigwv2.HttpApi(owner, 'Http'),
      ...props,
    });
    return { owner, observed, owned: Template.fromStack(owner) };
  }

  it('uses a given topic and creates none', () => {
    const { owner, observed, owned } = standalone((scope) => ({ alarmTopic: sns.Topic.fromTopicArn(scope, 'Ops', 'arn:aws:sns:us-east-1:123456789012:ops') }));
    owned.resourceCountIs('AWS::SNS::Topic', 0);
    assert.equal(observed.alarmTopic.topicArn, 'arn:aws:sns:us-east-1:123456789012:ops');
    for (const alarm of observed.alarms) assert.deepEqual(alarmProperties(alarm, owner, owned).AlarmActions, ['arn:aws:sns:us-east-1:123456789012:ops']);
  });

  it('subscribes the given email addresses to the topic', () => {
    const { owned } = standalone({ alarmEmails: ['ops@example.com', 'oncall@example.com'] });
    owned.resourceCountIs('AWS::SNS::Subscription', 2);
    owned.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com' });
  });

  it('creates no alarms with alarms: none, and keeps the dashboard', () => {
    const { observed, owned } = standalone({ alarms: 'none', dashboard: true });
    owned.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    owned.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    assert.equal(observed.apiServerErrorAlarm, undefined);
  });

  it('refuses an alarm set it does not know', () => {
    assert.throws(() => standalone({ alarms: 'some' as AlarmSet }), /alarms must be one of all, essential, none; got 'some'/);
  });

  it('takes the iterator-age threshold and the alarm period', () => {
    const { owner, observed, owned } = standalone({ iteratorAgeThreshold: Duration.minutes(30), alarmPeriod: Duration.minutes(1), alarms: 'all' });
    assert.equal(alarmProperties(observed.iteratorAgeAlarms.worker!, owner, owned).Threshold, 1_800_000);
    assert.equal(alarmProperties(observed.errorAlarms.api!, owner, owned).Period, 60);
    assert.deepEqual(Object.keys(observed.iteratorAgeAlarms), ['worker']);
    assert.deepEqual(Object.keys(observed.deadLetterAlarms), ['worker']);
    assert.deepEqual(Object.keys(observed.errorAlarms).sort(), ['api', 'worker']);
  });
});
