import type { CostEstimate, SystemEstimate } from '../../cost/estimate';
import { formatUsd } from '../model/cost-input';

const MIB = 1024 * 1024;
const figure = (n: number, digits = 1) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : String(Number(n.toFixed(digits))));

function Lines({ system, id }: { system: SystemEstimate; id: string }) {
  return (
    <table data-system-lines={id}>
      <caption>
        {system.system} <span class="muted">({system.note})</span>
      </caption>
      <thead>
        <tr>
          <th scope="col">Line</th>
          <th scope="col" class="num">
            USD a month
          </th>
        </tr>
      </thead>
      <tbody>
        {Object.entries(system.lines).map(([line, usd]) => (
          <tr key={line} data-line={line}>
            <td>{line}</td>
            <td class="num" data-usd={usd}>
              {formatUsd(usd)}
            </td>
          </tr>
        ))}
        <tr class="total" data-line="total">
          <th scope="row">Total</th>
          <td class="num" data-usd={system.total}>
            {formatUsd(system.total)}
          </td>
        </tr>
      </tbody>
    </table>
  );
}

/** The estimate as `sluice cost` prints it: the workload, each system's lines, the totals side by side, the assumptions. */
export function CostEstimateView({ estimate }: { estimate: CostEstimate }) {
  const { input, volume } = estimate;
  const systems: [string, SystemEstimate][] = [
    ['sluice', estimate.sluice],
    ['kinesis-on-demand', estimate.kinesisOnDemand],
    ['kinesis-provisioned', estimate.kinesisProvisioned],
    ['msk-serverless', estimate.mskServerless],
  ];
  const cheapest = Math.min(...systems.map(([, s]) => s.total));
  return (
    <div data-estimate>
      <p data-workload>
        {figure(volume.peakBytesPerSecond / MIB, 3)} MiB/s ({figure(volume.peakRecordsPerSecond)} records/s of {input.recordBytes} B){' '}
        {input.activeHoursPerDay === 24 ? 'around the clock' : `${figure(input.activeHoursPerDay)} h a day`}: {figure(volume.gibPerMonth)} GiB written a month, {figure(volume.storedGibMonths)} GiB-months stored.
      </p>
      <h2>Monthly totals</h2>
      <table data-table="totals">
        <thead>
          <tr>
            <th scope="col">System</th>
            <th scope="col">Sized as</th>
            <th scope="col" class="num">
              USD a month
            </th>
          </tr>
        </thead>
        <tbody>
          {systems.map(([id, s]) => (
            <tr key={id} data-system={id}>
              <td>
                {s.system}
                {s.total === cheapest && <span class="muted"> (lowest)</span>}
              </td>
              <td>{s.note}</td>
              <td class="num" data-usd={s.total}>
                {formatUsd(s.total)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Sluice by AWS service</h2>
      <Lines system={estimate.sluice} id="sluice" />
      <h2>The same traffic on Kinesis and MSK Serverless</h2>
      <div class="cost-systems">
        {systems.slice(1).map(([id, s]) => (
          <Lines key={id} system={s} id={id} />
        ))}
      </div>
      <h2>Assumptions</h2>
      <ul class="assumptions">
        {estimate.assumptions.map((a) => (
          <li key={a}>{a}</li>
        ))}
      </ul>
    </div>
  );
}
