/**
 * A segment's charts: its size over the last week, and who entered and left it per day
 * (30 days) or per hour (48 hours). Read again every refresh, beside the segment's size.
 */
import { useMemo, useState } from 'preact/hooks';
import { get } from '../../api';
import { ChartFigure } from '../../charts/figure';
import { useLive } from '../../charts/live';
import { COLOURS, flowChartOptions, sizeChartOptions } from '../../charts/segment-chart-options';
import { DAY_S, flowSeries, HOUR_S, sizeSeries } from '../../charts/series';
import { Failed } from '../../charts/states';
import { UPlotChart } from '../../charts/uplot-chart';
import type { Granularity, History } from './types';

const SIZE_DAYS = 7;
const FLOW_WINDOW: Record<Granularity, { days: number; periodS: number }> = {
  day: { days: 30, periodS: DAY_S },
  hour: { days: 2, periodS: HOUR_S },
};

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const historyPath = (name: string, granularity: Granularity, days: number) =>
  `/v1/segments/${encodeURIComponent(name)}/history?granularity=${granularity}&from=${isoDay(Date.now() - (days - 1) * DAY_S * 1000)}`;
const startOf = (day: string) => Date.parse(`${day}T00:00:00Z`) / 1000;
const label = (seconds: number, granularity: Granularity) =>
  new Date(seconds * 1000)
    .toISOString()
    .slice(0, granularity === 'day' ? 10 : 13)
    .replace('T', ' ') + (granularity === 'hour' ? ':00 UTC' : '');
const n = (value: number | null) => Math.abs(value ?? 0).toLocaleString('en');

export function SegmentCharts({ name, size, refreshedAt }: { name: string; size: number; refreshedAt: number | undefined }) {
  const [granularity, setGranularity] = useState<Granularity>('day');
  // Re-read when the segment was (refreshedAt), so the size in the header and the charts agree.
  const hourly = useLive(() => get<History>(historyPath(name, 'hour', SIZE_DAYS)), name, { trigger: refreshedAt, intervalMs: 60_000 });
  const flow = useLive(() => get<History>(historyPath(name, granularity, FLOW_WINDOW[granularity].days)), `${name}:${granularity}`, {
    trigger: refreshedAt,
    intervalMs: 60_000,
  });
  const sizeOptions = useMemo(sizeChartOptions, []);
  const flowOptions = useMemo(() => flowChartOptions(granularity), [granularity]);

  const nowS = Math.floor((refreshedAt ?? Date.now()) / 1000);
  const sizeData = useMemo(
    () => (hourly.data ? sizeSeries(hourly.data.points, startOf(hourly.data.from), nowS, size) : undefined),
    [hourly.data, size, nowS],
  );
  const flowData = useMemo(
    () => (flow.data ? flowSeries(flow.data.points, startOf(flow.data.from), nowS, FLOW_WINDOW[granularity].periodS) : undefined),
    [flow.data, nowS, granularity],
  );

  const toggle = (
    <span class="dash-toggle" role="group" aria-label="Entries and exits per">
      {(['day', 'hour'] as const).map((option) => (
        <button type="button" key={option} aria-pressed={granularity === option} onClick={() => setGranularity(option)}>
          Per {option}
        </button>
      ))}
    </span>
  );

  return (
    <div class="dash-charts">
      <ChartFigure
        caption="Size over time"
        summary={sizeData ? `Size now ${n(size)}; ${n(sizeData[1][0] ?? size)} seven days ago.` : 'Loading.'}
        table={{
          columns: ['Time', 'Size'],
          rows: sizeData ? sizeData[0].map((x, i) => [label(x, 'hour'), n(sizeData[1][i] ?? 0)]).slice(-10) : [],
        }}
      >
        {hourly.error && !sizeData ? <Failed error={hourly.error} what="size history" /> : null}
        {sizeData ? <UPlotChart options={sizeOptions} data={sizeData} /> : <div class="dash-chart dash-chart-placeholder" />}
        <p class="dash-chart-note">Last {SIZE_DAYS} days by the hour, UTC; the last point is now.</p>
      </ChartFigure>
      <ChartFigure
        caption={`Entries and exits per ${granularity}`}
        actions={toggle}
        summary={flowData ? flowSummary(flowData, granularity) : 'Loading.'}
        table={{
          columns: [granularity === 'day' ? 'Day' : 'Hour', 'Entered', 'Exited'],
          rows: flowData
            ? flowData[0].map((x, i) => [label(x, granularity), n(flowData[1][i] ?? 0), n(flowData[2][i] ?? 0)]).slice(-10)
            : [],
        }}
      >
        {flow.error && !flowData ? <Failed error={flow.error} what="entries and exits" /> : null}
        {flowData ? <UPlotChart options={flowOptions} data={flowData} /> : <div class="dash-chart dash-chart-placeholder" />}
        <p class="dash-chart-note">
          <span class="dash-key" style={{ background: COLOURS.entered }} /> entered, above the line ·{' '}
          <span class="dash-key" style={{ background: COLOURS.exited }} /> exited, below ·{' '}
          {FLOW_WINDOW[granularity].days === 2 ? 'last 48 hours' : 'last 30 days'}, UTC.
        </p>
      </ChartFigure>
    </div>
  );
}

function flowSummary([xs, entered, exited]: [number[], (number | null)[], (number | null)[]], granularity: Granularity): string {
  const last = xs.length - 1;
  if (last < 0) return 'No entries or exits yet.';
  const total = (values: (number | null)[]) => n(values.reduce<number>((sum, value) => sum + Math.abs(value ?? 0), 0));
  return `This ${granularity}: ${n(entered[last] ?? 0)} entered, ${n(exited[last] ?? 0)} exited. Over the window: ${total(entered)} entered, ${total(exited)} exited.`;
}
