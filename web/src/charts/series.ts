/**
 * A segment's history as chart series. Pure: points in, columns out (seconds since the
 * epoch on x, as uPlot takes them).
 */

export interface FlowPoint {
  at: string;
  entered: number;
  exited: number;
  size: number;
}

export const HOUR_S = 3_600;
export const DAY_S = 86_400;

const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/**
 * Size over time, a step per period with changes: the size before the first counted
 * period from the window's start, then from each period's start the size it ended with
 * (the step shows in the hour it happened, not at its end), then the size now (which the
 * segment answers fresher than its history).
 */
export function sizeSeries(points: FlowPoint[], fromS: number, nowS: number, sizeNow: number): [number[], number[]] {
  const xs: number[] = [];
  const ys: number[] = [];
  const push = (x: number, y: number) => {
    // uPlot wants x strictly increasing: a later value at the same instant replaces the earlier.
    if (xs.length > 0 && x <= xs[xs.length - 1]!) {
      ys[ys.length - 1] = y;
      return;
    }
    xs.push(x);
    ys.push(y);
  };
  const first = points[0];
  push(fromS, first ? first.size - first.entered + first.exited : sizeNow);
  for (const point of points) push(Math.min(seconds(point.at), nowS), point.size);
  push(nowS, sizeNow);
  return [xs, ys];
}

/**
 * Entries (up) and exits (down, as negative numbers) per period, every period of the
 * window present so bars have even widths and hovering any period gives its numbers. A
 * period without movement is null rather than 0: uPlot would draw a zero-height bar's
 * outline as a dash along the axis.
 */
export function flowSeries(
  points: FlowPoint[],
  fromS: number,
  nowS: number,
  periodS: number,
): [number[], (number | null)[], (number | null)[]] {
  const byPeriod = new Map(points.map((point) => [Math.floor(seconds(point.at) / periodS) * periodS, point]));
  const xs: number[] = [];
  const entered: (number | null)[] = [];
  const exited: (number | null)[] = [];
  for (let x = Math.floor(fromS / periodS) * periodS; x <= nowS; x += periodS) {
    const point = byPeriod.get(x);
    xs.push(x);
    entered.push(point?.entered ? point.entered : null);
    exited.push(point?.exited ? -point.exited : null);
  }
  return [xs, entered, exited];
}
