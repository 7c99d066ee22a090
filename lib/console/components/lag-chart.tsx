import { niceCeiling, plotPoints, ticks, type PlotArea } from '../model/chart-scale';
import type { LagSample } from '../model/lag-history';
import { lagSeries } from '../model/lag-history';
import { formatCount } from './format';

const WIDTH = 640;
const HEIGHT = 220;
const AREA: PlotArea = { left: 56, top: 12, width: WIDTH - 56 - 16, height: HEIGHT - 12 - 34 };
/** Colours cycle through this many classes (styles.css, `.series-N`). */
const PALETTE = 6;

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

/**
 * Lag over the samples taken, drawn by hand in SVG (no chart library): one line for the
 * total and one per topic, a point per sample, a value axis from 0 to a round ceiling and
 * the first and last sample times (UTC) along the bottom.
 */
export function LagChart({ history, title }: { history: readonly LagSample[]; title: string }) {
  const series = lagSeries(history);
  const times = history.map((s) => s.at);
  const top = niceCeiling(Math.max(0, ...history.map((s) => s.total)));
  const latest = history.at(-1);
  const summary = latest ? `${title}: total lag ${formatCount(latest.total)} at ${clock(latest.at)} UTC, ${history.length} samples` : `${title}: no samples yet`;
  return (
    <figure class="lag-chart" data-samples={history.length}>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={summary} width="100%" preserveAspectRatio="xMinYMin meet">
        <title>{summary}</title>
        {ticks(top).map((tick) => {
          const y = AREA.top + AREA.height - (tick / top) * AREA.height;
          return (
            <g key={tick} class="axis">
              <line x1={AREA.left} x2={AREA.left + AREA.width} y1={y} y2={y} class="grid" />
              <text x={AREA.left - 6} y={y + 4} text-anchor="end">
                {formatCount(tick)}
              </text>
            </g>
          );
        })}
        <line class="axis-line" x1={AREA.left} x2={AREA.left} y1={AREA.top} y2={AREA.top + AREA.height} />
        {latest && (
          <g class="axis">
            <text x={AREA.left} y={HEIGHT - 12} text-anchor="start">
              {clock(history[0]!.at)}
            </text>
            {history.length > 1 && (
              <text x={AREA.left + AREA.width} y={HEIGHT - 12} text-anchor="end">
                {clock(latest.at)} UTC
              </text>
            )}
          </g>
        )}
        {series.map((s, i) => {
          const points = plotPoints(times, s.values, top, AREA);
          return (
            <g key={s.name} class={`series series-${i % PALETTE}`} data-series={s.name}>
              {points.length > 1 && <polyline fill="none" points={points.map((p) => `${p.x},${p.y}`).join(' ')} />}
              {points.map((p) => (
                <circle key={p.at} cx={p.x} cy={p.y} r={i === 0 ? 3 : 2.5} data-point={p.value}>
                  <title>{`${s.name}: ${formatCount(p.value)} at ${clock(p.at)} UTC`}</title>
                </circle>
              ))}
            </g>
          );
        })}
      </svg>
      <figcaption>
        <ul class="legend">
          {series.map((s, i) => (
            <li key={s.name}>
              <span class={`swatch series-${i % PALETTE}`} aria-hidden="true" />
              {s.name}
              {latest && <span class="muted"> {formatCount(s.values.at(-1) ?? 0)}</span>}
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}
