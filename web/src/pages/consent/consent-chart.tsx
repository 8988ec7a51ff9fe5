/**
 * Consent over time: for one purpose, the ledger records written per day (granted, denied,
 * revoked, pending) over 30 days, from GET /v1/consent-stats (counters by id, no scan).
 * Numbers on hover; the figure's table carries them for screen readers.
 */
import { useMemo } from 'preact/hooks';
import { ChartFigure } from '../../charts/figure';
import { dailyCountsOptions } from '../../charts/daily-counts';
import { type uPlot, UPlotChart } from '../../charts/uplot-chart';
import { DAY_STATES, type ConsentStats, type DayState } from './types';

export const STATE_COLOURS: Record<DayState, string> = { granted: '#2f9468', denied: '#cf5c36', revoked: '#8e44ad', pending: '#8a93a3' };

const chartOptions = () =>
  dailyCountsOptions(DAY_STATES.map((state) => ({ label: state[0]!.toUpperCase() + state.slice(1), stroke: STATE_COLOURS[state] })));

export function ConsentChart({ stats, purpose }: { stats: ConsentStats; purpose: string }) {
  const options = useMemo(chartOptions, []);
  const series = stats.purposes.find((p) => p.purpose === purpose);
  const data = useMemo<uPlot.AlignedData | undefined>(() => {
    if (!series) return undefined;
    const xs = series.days.map((d) => Date.parse(`${d.day}T00:00:00Z`) / 1000);
    return [xs, ...DAY_STATES.map((state) => series.days.map((d) => d[state]))];
  }, [series]);
  if (!series || !data) return null;
  const totals = Object.fromEntries(DAY_STATES.map((state) => [state, series.days.reduce((sum, d) => sum + d[state], 0)]));
  const title = series.title ?? series.purpose;
  return (
    <ChartFigure
      caption={`${title}: records per day`}
      summary={`From ${stats.from} to ${stats.to}: ${DAY_STATES.map((state) => `${totals[state]} ${state}`).join(', ')}.`}
      table={{
        columns: ['Day', ...DAY_STATES],
        rows: series.days.slice(-10).map((d) => [d.day, ...DAY_STATES.map((state) => d[state])]),
      }}
    >
      <UPlotChart options={options} data={data} />
      <p class="dash-chart-note">
        Records written per day (UTC, the day the person gave them), {stats.from} to {stats.to}:{' '}
        {DAY_STATES.map((state) => `${totals[state]} ${state}`).join(' · ')}.
      </p>
    </ChartFigure>
  );
}
