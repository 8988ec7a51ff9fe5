/**
 * uPlot in a Preact component. Imported only by the dashboards' pages, which are loaded
 * lazily, so uPlot and its stylesheet stay out of the console's first screen.
 *
 * The chart is made once per `options` object (callers memoise it) and fed new data in
 * place on every refresh, so a 5-second refresh does not flicker or lose the hover.
 */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export type ChartOptions = Omit<uPlot.Options, 'width' | 'height'>;

export function UPlotChart({ options, data, height = 220 }: { options: ChartOptions; data: uPlot.AlignedData; height?: number }) {
  const container = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);

  useEffect(() => {
    const element = container.current!;
    const plot = new uPlot({ ...options, width: Math.max(200, element.clientWidth), height }, data, element);
    chart.current = plot;
    showLatest(plot);
    // Off the chart, the legend reads the latest values rather than dashes.
    const leave = () => setTimeout(() => showLatest(plot));
    plot.over.addEventListener('mouseleave', leave);
    // The chart follows its column's width (window resized, sidebar shown).
    const resize = new ResizeObserver(() => {
      const width = Math.max(200, element.clientWidth);
      if (width !== plot.width) plot.setSize({ width, height });
    });
    resize.observe(element);
    return () => {
      plot.over.removeEventListener('mouseleave', leave);
      resize.disconnect();
      plot.destroy();
      chart.current = null;
    };
    // `data` is fed by the effect below; a new chart only for new options.
  }, [options, height]);

  useEffect(() => {
    const plot = chart.current;
    if (!plot) return;
    plot.setData(data);
    if (plot.cursor.idx == null) showLatest(plot);
  }, [data]);

  return <div class="dash-chart" ref={container} aria-hidden="true" />;
}

function showLatest(plot: uPlot): void {
  const last = (plot.data[0]?.length ?? 0) - 1;
  if (last >= 0) plot.setLegend({ idx: last });
}

/** Charts read in UTC, as the server counts days and hours. */
export const utc = (seconds: number) => uPlot.tzDate(new Date(seconds * 1000), 'Etc/UTC');

export { uPlot };
