/**
 * Messages over time: sent, failed, bounced and unsubscribed per day (UTC), from GET
 * /v1/delivery-stats (counters by id, no scan of the messages). Numbers on hover; the
 * figure's table carries them for screen readers.
 */
import { useMemo } from 'preact/hooks';
import { ChartFigure } from '../../charts/figure';
import { dailyCountsOptions } from '../../charts/daily-counts';
import { type uPlot, UPlotChart } from '../../charts/uplot-chart';
import { CHART_OUTCOMES, type ChartOutcome, type DeliveryStats } from './deliveries-types';

export const OUTCOME_COLOURS: Record<ChartOutcome, string> = {
  sent: '#2f9468',
  failed: '#cf5c36',
  bounced: '#b8860b',
  unsubscribed: '#8e44ad',
};
const LABELS: Record<ChartOutcome, string> = { sent: 'Sent', failed: 'Failed', bounced: 'Bounced', unsubscribed: 'Unsubscribed' };

const chartOptions = () =>
  dailyCountsOptions(CHART_OUTCOMES.map((outcome) => ({ label: LABELS[outcome], stroke: OUTCOME_COLOURS[outcome] })));

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
