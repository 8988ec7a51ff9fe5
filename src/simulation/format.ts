/**
 * A simulation's timeline as lines for a terminal: the time since the run's start
 * (`day 1 00:00`), then what happened. Pure: `itinera simulate` prints what this returns.
 */
import { describeDuration } from './describe.js';
import type { SimulatedEntry, SimulationResult } from './simulate.js';

const DAY = 86_400_000;

const pad = (n: number) => String(n).padStart(2, '0');

/** `day 2 09:30`, with seconds only when there are some. */
export function offsetText(offsetMs: number): string {
  const days = Math.floor(offsetMs / DAY);
  const rest = Math.round((offsetMs - days * DAY) / 1000);
  const [h, m, s] = [Math.floor(rest / 3600), Math.floor((rest % 3600) / 60), rest % 60];
  return `day ${days} ${pad(h)}:${pad(m)}${s === 0 ? '' : `:${pad(s)}`}`;
}

export function describeEntry(entry: SimulatedEntry, at: (iso: string) => string): string {
  switch (entry.kind) {
    case 'event':
      return `event ${JSON.stringify(entry.event)}${entry.delivered ? '' : ' (not heard by the run)'}`;
    case 'entered':
      return 'entered';
    case 'refused':
      return `refused: ${entry.reason}`;
    case 'tag':
    case 'untag':
      return `${entry.kind} ${entry.tag}`;
    case 'set trait':
      return `set trait ${entry.path} = ${JSON.stringify(entry.value)}`;
    case 'send': {
      const subject = entry.subject === undefined ? '' : `  ${JSON.stringify(entry.subject)}`;
      const problem = entry.problem === undefined ? '' : `  (not sent: ${entry.problem})`;
      return `send ${entry.channel} ${entry.name}${subject}${problem}`;
    }
    case 'wait': {
      const until = entry.until ?? entry.at;
      const cut = entry.ended === undefined || entry.ended === entry.until ? '' : ` (ended ${at(entry.ended)})`;
      switch (entry.reason) {
        case 'wait':
          return `wait ${describeDuration(Date.parse(until) - Date.parse(entry.at))}, until ${at(until)}${cut}`;
        case 'wait until':
          return `wait until ${at(until)}${cut}`;
        case 'quiet hours':
          return `quiet hours: held until ${at(until)}${cut}`;
      }
      break;
    }
    case 'wait for': {
      return `wait for ${JSON.stringify(entry.event)} up to ${at(entry.until ?? entry.at)}`;
    }
    case 'branch':
      return `${entry.of}: ${entry.taken} (${entry.why})`;
    case 'exit':
      return 'exit';
    case 'end':
      return `end: ${entry.outcome}${entry.atStep === undefined ? '' : ` (at step ${entry.atStep})`}`;
  }
}

export function timelineLines(result: SimulationResult): string[] {
  const start = Date.parse(result.startedAt);
  const at = (iso: string) => offsetText(Date.parse(iso) - start);
  return [
    `${result.journey}: day 0 is ${result.startedAt}`,
    ...result.timeline.map((entry) => `${offsetText(entry.offsetMs)}  ${describeEntry(entry, at)}`),
  ];
}
