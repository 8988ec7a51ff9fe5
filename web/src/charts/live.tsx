/**
 * Dashboards refresh themselves: a read repeated every few seconds, without reloading the
 * page, and a line saying how fresh the figures are. Shared by the segments and journeys
 * pages (the charts' folder is the dashboards' kit).
 */
import { useEffect, useRef, useState } from 'preact/hooks';

/** How often dashboards read again; stated on every page that refreshes. */
export const REFRESH_MS = 5_000;

export interface Live<T> {
  data: T | undefined;
  /** The last read's failure; the previous data stays shown beside it. */
  error: Error | undefined;
  updatedAt: number | undefined;
  refresh: () => void;
}

/**
 * Reads `load()` now, whenever `key` changes, and every `intervalMs` after. A read never
 * overlaps the previous one, and answers that arrive after `key` changed are dropped, so a
 * slow answer for the previous page never overwrites the current one. A new `key` starts
 * empty (another thing is shown); a new `trigger` only reads again, keeping what is shown
 * until the answer arrives (the same thing, fresher).
 */
export function useLive<T>(load: () => Promise<T>, key: string, options: { intervalMs?: number; trigger?: unknown } = {}): Live<T> {
  const intervalMs = options.intervalMs ?? REFRESH_MS;
  const [state, setState] = useState<{ key: string; data?: T; error?: Error; updatedAt?: number }>({ key });
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const read = async () => {
      try {
        const data = await loadRef.current();
        if (!cancelled) setState({ key, data, updatedAt: Date.now() });
      } catch (error) {
        if (!cancelled) setState((previous) => ({ ...(previous.key === key ? previous : { key }), error: error as Error }));
      }
      // A hidden tab does not poll: the next read comes when it is shown again.
      if (!cancelled) timer = setTimeout(() => void whenVisible(read), intervalMs);
    };
    void read();
    return () => {
      cancelled = true;
      if (timer) clearTimeout(timer);
    };
  }, [key, intervalMs, tick, options.trigger]);

  const current = state.key === key ? state : { key };
  return { data: current.data, error: current.error, updatedAt: current.updatedAt, refresh: () => setTick((n) => n + 1) };
}

function whenVisible(then: () => Promise<void>): Promise<void> {
  if (document.visibilityState !== 'hidden') return then();
  return new Promise((resolve) => {
    const shown = () => {
      if (document.visibilityState === 'hidden') return;
      document.removeEventListener('visibilitychange', shown);
      resolve(then());
    };
    document.addEventListener('visibilitychange', shown);
  });
}

/** "Updated 3 s ago · every 5 s", ticking each second; says so when the last read failed. */
export function UpdatedAgo({
  at,
  error,
  intervalMs = REFRESH_MS,
}: {
  at: number | undefined;
  error?: Error | undefined;
  intervalMs?: number;
}) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, []);
  const every = `refreshes every ${Math.round(intervalMs / 1000)} s`;
  if (at === undefined) return <p class="dash-updated">Loading… · {every}</p>;
  const seconds = Math.max(0, Math.round((now - at) / 1000));
  return (
    <p class="dash-updated">
      <span class={error ? 'dash-dot dash-dot-stale' : 'dash-dot'} aria-hidden="true" />
      Updated {seconds} s ago · {every}
      {error && <span class="dash-stale"> · last refresh failed: {error.message}</span>}
    </p>
  );
}
