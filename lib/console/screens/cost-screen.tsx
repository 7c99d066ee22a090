import { useMemo, useState } from 'preact/hooks';
import { estimateMonthly } from '../../cost/estimate';
import { CostEstimateView } from '../components/cost-estimate';
import { CostFieldsForm } from '../components/cost-fields';
import { SAMPLE_EVERY_MS, useTrafficMeasurement, type Measurement } from '../components/cost-measurement';
import { ErrorView } from '../components/error-view';
import { formatCount } from '../components/format';
import type { Api } from '../model/api';
import { costInputFromFields, DEFAULT_FIELDS, measuredFields, type CostField, type CostFields } from '../model/cost-input';
import { longestRetention, totalPartitions } from '../model/traffic';

/** The fields the measurement fills, once there is a sample; the rate needs two. */
function fromMeasurement(m: Measurement): Partial<CostFields> {
  if (!m.latest) return {};
  const retention = longestRetention(m.latest);
  return measuredFields({
    recordsPerSecond: m.rate?.recordsPerSecond ?? 0,
    recordBytes: m.recordSize?.bytes ?? Number(DEFAULT_FIELDS.recordBytes),
    consumers: m.consumerGroups ?? 0,
    retentionHours: retention.hours,
    partitions: totalPartitions(m.latest),
  });
}

function MeasuredCards({ m }: { m: Measurement }) {
  const topics = m.latest?.topics.length;
  const unlimited = m.latest ? longestRetention(m.latest).unlimited : 0;
  return (
    <>
      <div class="cards" data-measurement>
        <div class="card">
          <div class="value" data-measured="records-per-second" data-value={m.rate?.recordsPerSecond ?? ''}>
            {m.rate && m.samples > 1 ? formatCount(Number(m.rate.recordsPerSecond.toFixed(2))) : '…'}
          </div>
          <div class="label">records/s written since you opened this page</div>
        </div>
        <div class="card">
          <div class="value" data-measured="records">{m.rate ? formatCount(m.rate.records) : '…'}</div>
          <div class="label">records in {m.rate ? `${Math.round(m.rate.seconds)} s` : '…'}</div>
        </div>
        <div class="card">
          <div class="value" data-measured="record-bytes">{m.recordSize ? formatCount(Math.round(m.recordSize.bytes)) : '…'}</div>
          <div class="label">bytes per record ({m.recordSize ? (m.recordSize.source === 'stored bytes' ? 'stored, batch framing included' : 'payload of recent records') : 'no records yet'})</div>
        </div>
        <div class="card">
          <div class="value" data-measured="topics">{topics ?? '…'}</div>
          <div class="label">topics, {m.latest ? totalPartitions(m.latest) : '…'} partitions</div>
        </div>
        <div class="card">
          <div class="value" data-measured="groups">{m.consumerGroups ?? '…'}</div>
          <div class="label">consumer groups</div>
        </div>
      </div>
      {unlimited > 0 && (
        <p class="muted">
          {unlimited} topic{unlimited === 1 ? ' keeps' : 's keep'} records forever (<code>retention.ms=-1</code>): the model needs a retention, so the longest finite one is priced.
        </p>
      )}
    </>
  );
}

/**
 * The modeled monthly AWS bill of the traffic measured while this page is open, with the
 * product's cost model (lib/cost, as `sluice cost` prices a workload), beside Kinesis and
 * MSK Serverless for the same traffic. Every input is a field, for "what if".
 */
export function CostScreen({ api }: { api: Api }) {
  const measurement = useTrafficMeasurement(api);
  const [overrides, setOverrides] = useState<Partial<CostFields>>({});
  const measured = fromMeasurement(measurement);
  const fields: CostFields = { ...DEFAULT_FIELDS, ...measured, ...overrides };
  const key = JSON.stringify(fields);
  const result = useMemo(() => costInputFromFields(fields), [key]);
  const estimate = useMemo(() => (result.ok ? estimateMonthly(result.input) : undefined), [result]);
  const edited = new Set(Object.keys(overrides) as CostField[]);
  return (
    <section>
      <h1>Cost</h1>
      <p class="muted">
        The modeled monthly AWS bill of the current traffic on Sluice, beside Kinesis and MSK Serverless for the same traffic: the cost model of <code>sluice cost</code>, fed with what this page
        measures. It reads every topic's high watermarks every {SAMPLE_EVERY_MS / 1000} s; the rate is measured since you opened this page, so leave it open for a steadier figure. Change any
        field to price another workload.
      </p>
      {measurement.error && <ErrorView error={measurement.error} />}
      <MeasuredCards m={measurement} />
      <h2>Workload priced</h2>
      <CostFieldsForm
        fields={fields}
        edited={edited}
        measuring={!measurement.latest}
        invalid={result.ok ? undefined : result.field}
        onChange={(field, value) => setOverrides((o) => ({ ...o, [field]: value }))}
        onReset={(field) =>
          setOverrides((o) => {
            const { [field]: _dropped, ...rest } = o;
            return rest;
          })
        }
      />
      {!result.ok && (
        <div class="error" role="alert" data-error-code="INVALID_INPUT" data-field={result.field}>
          <strong class="error-code">INVALID_INPUT</strong>
          <span class="error-message">
            : <code>{result.field}</code> {result.message}
          </span>
        </div>
      )}
      {estimate && <CostEstimateView estimate={estimate} />}
    </section>
  );
}
