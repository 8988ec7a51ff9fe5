/**
 * How a segment's two charts look: calm colours, light grid, UTC time, and the numbers in
 * the legend follow the pointer (uPlot's live legend), so hovering a period reads its values.
 */
import { uPlot, utc, type ChartOptions } from './uplot-chart';

export const COLOURS = { size: '#3563c9', sizeFill: 'rgba(53, 99, 201, 0.10)', entered: '#2f9468', exited: '#cf5c36' };

const font = '12px system-ui, sans-serif';
const axis = (values?: uPlot.Axis['values']): uPlot.Axis => ({
  font,
  stroke: '#5f6878',
  grid: { stroke: '#e9ecf1', width: 1 },
  ticks: { stroke: '#e9ecf1', width: 1 },
  ...(values ? { values } : {}),
});
/** Time ticks as people write them here: "6 Dec", and the hour when a day is split. */
const timeTicks: uPlot.Axis['values'] = (u, ticks) => {
  const span = (u.scales.x?.max ?? 0) - (u.scales.x?.min ?? 0);
  const day = uPlot.fmtDate('{D} {MMM}');
  const hour = uPlot.fmtDate('{HH}:{mm}');
  return ticks.map((tick) => {
    const date = utc(tick);
    if (span > 4 * 86_400) return day(date);
    return date.getHours() === 0 && date.getMinutes() === 0 ? day(date) : hour(date);
  });
};
const whole = (n: number) => Math.round(Math.abs(n)).toLocaleString('en');
const wholeTicks: uPlot.Axis['values'] = (_u, ticks) => ticks.map((tick) => (Number.isInteger(tick) ? tick.toLocaleString('en') : ''));
const show = (value: number | null) => (value === null ? '—' : whole(value));
/** A period without movement is null in the bars' data (no bar drawn): it reads 0. */
const showCount = (value: number | null) => whole(value ?? 0);
const stamp = (granularity: 'day' | 'hour') => {
  const format = uPlot.fmtDate(granularity === 'day' ? '{D} {MMM} {YYYY}' : '{D} {MMM} {HH}:00');
  return (_u: uPlot, seconds: number | null) => (seconds === null ? '—' : `${format(utc(seconds))} UTC`);
};

export function sizeChartOptions(): ChartOptions {
  return {
    tzDate: utc,
    cursor: { points: { size: 7 }, drag: { x: false, y: false } },
    legend: { live: true },
    scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, Math.ceil(max * 1.15))] } },
    axes: [axis(timeTicks), axis(wholeTicks)],
    series: [
      { value: (_u, seconds) => (seconds === null ? '—' : `${uPlot.fmtDate('{D} {MMM} {HH}:{mm}')(utc(seconds))} UTC`) },
      {
        label: 'Size',
        stroke: COLOURS.size,
        fill: COLOURS.sizeFill,
        width: 2,
        paths: uPlot.paths.stepped!({ align: 1 }),
        points: { show: false },
        value: (_u, value) => show(value),
      },
    ],
  };
}

export function flowChartOptions(granularity: 'day' | 'hour'): ChartOptions {
  const bars = uPlot.paths.bars!({ size: [0.7, 28], radius: 0.15 });
  const half = (granularity === 'day' ? 86_400 : 3_600) / 2;
  return {
    tzDate: utc,
    cursor: { points: { show: false }, drag: { x: false, y: false } },
    legend: { live: true },
    scales: {
      // Half a period each side, so the first and last bars are drawn whole.
      x: { time: true, range: (_u, min, max) => [min - half, max + half] },
      // Symmetric around zero, so entries and exits of the same height look the same size.
      y: {
        range: (u) => {
          const data = u.data as number[][];
          const extreme = Math.max(1, ...(data[1] ?? []).map(Math.abs), ...(data[2] ?? []).map(Math.abs));
          const top = Math.ceil(extreme * 1.15);
          return [-top, top];
        },
      },
    },
    axes: [axis(timeTicks), axis((_u, ticks) => ticks.map((tick) => (Number.isInteger(tick) ? whole(tick) : '')))],
    series: [
      { value: stamp(granularity) },
      {
        label: 'Entered',
        stroke: COLOURS.entered,
        fill: COLOURS.entered,
        width: 0,
        paths: bars,
        points: { show: false },
        value: (_u, value) => showCount(value),
      },
      {
        label: 'Exited',
        stroke: COLOURS.exited,
        fill: COLOURS.exited,
        width: 0,
        paths: bars,
        points: { show: false },
        value: (_u, value) => showCount(value),
      },
    ],
  };
}
