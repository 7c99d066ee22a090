/**
 * The arithmetic of the lag chart, kept apart from the SVG so it can be tested in Node:
 * a "nice" top for the value axis and the mapping of samples to plot coordinates.
 */

/** The smallest of 1, 2, 2.5, 5 × 10^k at or above `max` (at least 1), so axis labels are round. */
export function niceCeiling(max: number): number {
  if (!(max > 1)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (step * power >= max) return step * power;
  }
  return 10 * power;
}

export interface PlotArea {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface PlotPoint {
  x: number;
  y: number;
  value: number;
  at: number;
}

/**
 * Each non-null value as a point: time along x from the first to the last sample (a single
 * sample sits at the left edge), value up y from 0 to `top`. Coordinates are rounded to
 * tenths, enough for a screen and short in the markup.
 */
export function plotPoints(times: readonly number[], values: readonly (number | null)[], top: number, area: PlotArea): PlotPoint[] {
  const first = times[0] ?? 0;
  const span = (times.at(-1) ?? first) - first;
  const round = (n: number) => Math.round(n * 10) / 10;
  const points: PlotPoint[] = [];
  values.forEach((value, i) => {
    if (value === null) return;
    const at = times[i] ?? first;
    const x = area.left + (span > 0 ? ((at - first) / span) * area.width : 0);
    const y = area.top + area.height - (Math.min(Math.max(value, 0), top) / top) * area.height;
    points.push({ x: round(x), y: round(y), value, at });
  });
  return points;
}

/** Evenly spaced tick values from 0 to `top`, whole numbers when `top` is a nice ceiling. */
export function ticks(top: number): number[] {
  // A top of 1, 2.5 or 5 × 10^k splits into fifths, 2 × 10^k into quarters: round steps either way.
  const lead = top / 10 ** Math.floor(Math.log10(top));
  const count = top <= 5 && Number.isInteger(top) ? top : lead === 2 ? 4 : 5;
  return Array.from({ length: count + 1 }, (_, i) => (top * i) / count);
}
