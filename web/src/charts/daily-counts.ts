/**
 * The options of a chart of counts per UTC day, one line per series (consent per purpose,
 * messages by outcome): day ticks, whole-number values, the day and each count on hover.
 */
import { uPlot, utc, type ChartOptions } from './uplot-chart';

const font = '12px system-ui, sans-serif';
const axis = (values?: uPlot.Axis['values']): uPlot.Axis => ({
  font,
  stroke: '#5f6878',
  grid: { stroke: '#e9ecf1', width: 1 },
  ticks: { stroke: '#e9ecf1', width: 1 },
  ...(values ? { values } : {}),
});

export function dailyCountsOptions(lines: readonly { label: string; stroke: string }[]): ChartOptions {
  const day = uPlot.fmtDate('{D} {MMM}');
  const stamp = uPlot.fmtDate('{D} {MMM} {YYYY}');
  return {
    tzDate: utc,
    cursor: { points: { size: 7 }, drag: { x: false, y: false } },
    legend: { live: true },
    scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, Math.ceil(max * 1.15))] } },
    axes: [
      axis((_u, ticks) => ticks.map((tick) => day(utc(tick)))),
      axis((_u, ticks) => ticks.map((tick) => (Number.isInteger(tick) ? tick.toLocaleString('en') : ''))),
    ],
    series: [
      { value: (_u, seconds) => (seconds === null ? '—' : `${stamp(utc(seconds))} UTC`) },
      ...lines.map(({ label, stroke }) => ({
        label,
        stroke,
        width: 2,
        points: { show: true, size: 4 },
        value: (_u: uPlot, value: number | null) => (value ?? 0).toLocaleString('en'),
      })),
    ],
  };
}
