/**
 * A segment's size over its last days, small enough for a table row: an inline SVG (no
 * charting library in the list, so the list's chunk stays light), named for screen
 * readers by its first and last values.
 */
import { count } from './states';

const WIDTH = 120;
const HEIGHT = 28;
const PAD = 2;

export function Sparkline({ points, label }: { points: { day: string; size: number }[]; label: string }) {
  if (points.length === 0) return <span class="dash-muted">no history yet</span>;
  const first = points[0]!;
  const last = points[points.length - 1]!;
  const sizes = points.map((point) => point.size);
  const min = Math.min(...sizes);
  const max = Math.max(...sizes);
  const x = (i: number) => (points.length === 1 ? WIDTH - PAD : PAD + (i * (WIDTH - 2 * PAD)) / (points.length - 1));
  // A flat line sits in the middle rather than on the floor.
  const y = (size: number) => (max === min ? HEIGHT / 2 : HEIGHT - PAD - ((size - min) * (HEIGHT - 2 * PAD)) / (max - min));
  const line = points.map((point, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(point.size).toFixed(1)}`).join(' ');
  const area = `${line} L${x(points.length - 1).toFixed(1)},${HEIGHT} L${x(0).toFixed(1)},${HEIGHT} Z`;
  const name = `${label}: ${count(first.size)} on ${first.day}, ${count(last.size)} on ${last.day}`;
  return (
    <svg class="dash-sparkline" role="img" aria-label={name} viewBox={`0 0 ${WIDTH} ${HEIGHT}`} width={WIDTH} height={HEIGHT}>
      <title>{name}</title>
      <path d={area} class="dash-sparkline-area" />
      <path d={line} class="dash-sparkline-line" />
      <circle cx={x(points.length - 1)} cy={y(last.size)} r="2.5" class="dash-sparkline-dot" />
    </svg>
  );
}
