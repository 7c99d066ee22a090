import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inventoryOf } from './stack-inventory';

describe('stack inventory', () => {
  it('counts alarms, the metrics each reads, composite alarms and dashboards', () => {
    const inventory = inventoryOf({
      Resources: {
        A: { Type: 'AWS::CloudWatch::Alarm', Properties: { MetricName: 'Errors' } },
        B: { Type: 'AWS::CloudWatch::Alarm', Properties: { Metrics: [{ Id: 'm1', MetricStat: {} }, { Id: 'm2', MetricStat: {} }, { Id: 'e', Expression: 'm1+m2' }] } },
        C: { Type: 'AWS::CloudWatch::CompositeAlarm', Properties: {} },
        D: { Type: 'AWS::CloudWatch::Dashboard', Properties: {} },
        E: { Type: 'AWS::Lambda::Function', Properties: {} },
      },
    });
    assert.deepEqual(inventory, { alarms: 2, alarmMetrics: 3, dashboards: 1, compositeAlarms: 1, resources: 5 });
    assert.deepEqual(inventoryOf({}), { alarms: 0, alarmMetrics: 0, dashboards: 0, compositeAlarms: 0, resources: 0 });
  });
});
