import { readFileSync } from 'node:fs';
import type { StackInventory } from '../../lib/cost/idle-cost';

/** What the stack synthesizes that bills monthly whatever the traffic, counted from its template. */
export interface TemplateInventory extends StackInventory {
  /** Composite alarms ($0.50 each a month; none expected). */
  compositeAlarms: number;
  /** Resource counts by type, for the report's note. */
  resources: number;
}

interface Template {
  Resources?: Record<string, { Type?: string; Properties?: Record<string, unknown> }>;
}

/**
 * Counts alarms (and the metrics each reads: one for a plain alarm, every `MetricStat` of
 * a metric-math alarm, as CloudWatch bills them), composite alarms and dashboards.
 */
export function inventoryOf(template: Template): TemplateInventory {
  const inventory: TemplateInventory = { alarms: 0, alarmMetrics: 0, dashboards: 0, compositeAlarms: 0, resources: 0 };
  for (const resource of Object.values(template.Resources ?? {})) {
    inventory.resources++;
    if (resource.Type === 'AWS::CloudWatch::Alarm') {
      inventory.alarms++;
      const metrics = resource.Properties?.Metrics;
      const stats = Array.isArray(metrics) ? metrics.filter((m) => m && typeof m === 'object' && 'MetricStat' in m).length : 0;
      inventory.alarmMetrics += Math.max(1, stats);
    } else if (resource.Type === 'AWS::CloudWatch::CompositeAlarm') {
      inventory.compositeAlarms++;
    } else if (resource.Type === 'AWS::CloudWatch::Dashboard') {
      inventory.dashboards++;
    }
  }
  return inventory;
}

/**
 * Synthesizes the stack as `cdk synth` does with no `-c` settings (cdk.json's context,
 * default props), with bundling skipped (the template is the same), and counts it.
 */
export async function synthesizedInventory(): Promise<TemplateInventory> {
  const [{ App }, { SluiceStack }] = await Promise.all([import('aws-cdk-lib'), import('../../infra/sluice-stack')]);
  const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> };
  const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
  const stack = new SluiceStack(app, 'sluice-dev', { namePrefix: 'sluice-dev' });
  const template = app.synth().getStackByName(stack.stackName).template as Template;
  return inventoryOf(template);
}
