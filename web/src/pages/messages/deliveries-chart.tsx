/**
 * Messages over time: sent, failed, bounced and unsubscribed per day (UTC), from GET
 * /v1/delivery-stats (counters by id, no scan of the messages). Numbers on hover; the
 * figure's table carries them for screen readers.
 */
import { useMemo } from 'preact/hooks';
import { ChartFigure } from '../../charts/figure';
import { uPlot, UPlotChart, utc, type ChartOptions } from '../../charts/uplot-chart';
import { CHART_OUTCOMES, type ChartOutcome, type DeliveryStats } from './deliveries-types';

export const OUTCOME_COLOURS: Record<ChartOutcome, string> = {
  sent: '#2f9468',
  failed: '#cf5c36',
  bounced: '#b8860b',
  unsubscribed: '#8e44ad',
};
const LABELS: Record<ChartOutcome, string> = { sent: 'Sent', failed: 'Failed', bounced: 'Bounced', unsubscribed: 'Unsubscribed' };

const font = '12px system-ui, sans-serif';
const axis = (values?: uPlot.Axis['values']): uPlot.Axis => ({
  font,
  stroke: '#5f6878',
  grid: { stroke: '#e9ecf1', width: 1 },
  ticks: { stroke: '#e9ecf1', width: 1 },
  ...(values ? { values } : {}),
});

function chartOptions(): ChartOptions {
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
      ...CHART_OUTCOMES.map((outcome) => ({
        label: LABELS[outcome],
        stroke: OUTCOME_COLOURS[outcome],
        width: 2,
        points: { show: true, size: 4 },
        value: (_u: uPlot, value: number | null) => (value ?? 0).toLocaleString('en'),
      })),
    ],
  };
}

export function DeliveriesChart({ stats, scope }: { stats: DeliveryStats; scope: string }) {
  const options = useMemo(chartOptions, []);
  const data = useMemo<uPlot.AlignedData>(
    () => [
      stats.days.map((d) => Date.parse(`${d.day}T00:00:00Z`) / 1000),
      ...CHART_OUTCOMES.map((outcome) => stats.days.map((d) => d[outcome])),
    ],
    [stats],
  );
  const totals = Object.fromEntries(
    CHART_OUTCOMES.map((outcome) => [outcome, stats.days.reduce((sum, d) => sum + d[outcome], 0)]),
  ) as Record<ChartOutcome, number>;
  const line = CHART_OUTCOMES.map((outcome) => `${totals[outcome].toLocaleString('en')} ${outcome}`).join(' · ');
  return (
    <ChartFigure
      caption={`${scope}: messages per day`}
      summary={`From ${stats.from} to ${stats.to}: ${line}.`}
      table={{
        columns: ['Day', ...CHART_OUTCOMES],
        rows: stats.days.slice(-10).map((d) => [d.day, ...CHART_OUTCOMES.map((outcome) => d[outcome])]),
      }}
    >
      <UPlotChart options={options} data={data} />
      <p class="dash-chart-note" data-testid="deliveries-totals">
        Per day (UTC), {stats.from} to {stats.to}: {line}.
      </p>
    </ChartFigure>
  );
}
