/**
 * How the consent benchmark sends its load: requests retried on a 5xx or no answer (and
 * counted), `count` of them `concurrency` at a time and each timed; its progress on stderr;
 * and whether the run was interrupted, which stops the sending.
 */
import { inParallel } from '../shop-traffic.js';

const MAX_ATTEMPTS = 5;

export const delay = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));
/** Set on SIGINT or SIGTERM: the load stops sending, so that the server's stop is not held up by it. */
let interrupted = false;
export function interrupt(): void {
  interrupted = true;
}
export const log = (message: string) => console.error(`[consent bench ${new Date().toISOString().slice(11, 19)}] ${message}`);

export interface Sender {
  /** The answer's JSON body. */
  post(path: string, body: unknown): Promise<unknown>;
  retries: number;
}

export function sender(baseUrl: string, authorization: string): Sender {
  const state: Sender = {
    retries: 0,
    async post(path, body) {
      const payload = JSON.stringify(body);
      for (let attempt = 1; ; attempt++) {
        const outcome = await fetch(`${baseUrl}${path}`, {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/json' },
          body: payload,
        }).then(
          async (response) => ({ status: response.status, text: await response.text() }),
          (error: unknown) => ({ status: 0, text: String(error) }),
        );
        if (outcome.status === 200) return JSON.parse(outcome.text) as unknown;
        if ((outcome.status !== 0 && outcome.status < 500) || attempt === MAX_ATTEMPTS || interrupted)
          throw new Error(`${path} answered ${outcome.status}: ${outcome.text.slice(0, 500)}`);
        state.retries++;
        await delay(200 * attempt);
      }
    },
  };
  return state;
}

/** `count` requests, `concurrency` at a time, each timed; returns the seconds taken and the sorted latencies. */
export async function load(
  count: number,
  concurrency: number,
  send: (i: number) => Promise<unknown>,
  label: string,
): Promise<{ seconds: number; latencies: number[] }> {
  const latencies: number[] = [];
  let next = 0;
  const progressEvery = Math.max(1000, Math.ceil(count / 10));
  const started = performance.now();
  await inParallel(concurrency, async () => {
    for (let i = next++; i < count && !interrupted; i = next++) {
      const t0 = performance.now();
      await send(i);
      latencies.push(performance.now() - t0);
      if ((i + 1) % progressEvery === 0)
        log(`${label}: ${i + 1}/${count} sent, ${Math.round((i + 1) / ((performance.now() - started) / 1000))}/s`);
    }
  });
  latencies.sort((a, b) => a - b);
  return { seconds: (performance.now() - started) / 1000, latencies };
}
