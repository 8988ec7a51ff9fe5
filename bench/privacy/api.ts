/**
 * The privacy benchmark's requests to the server it started: JSON requests and the status
 * they must answer, messages through /v1/batch a few clients at a time, a privacy request's
 * status polled until done, a download link on the bench's address; its progress on stderr,
 * and whether the run was interrupted, which stops the sending.
 */
import { fetchRetrying } from '../http.js';
import { inParallel } from '../shop-traffic.js';

const BATCH = 100;
const CLIENTS = 8;

export const delay = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));
export const log = (message: string) => console.error(`[privacy bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
/** Set on SIGINT or SIGTERM: the batches stop being sent. */
let interrupted = false;
export function interrupt(): void {
  interrupted = true;
}

/** The server at `baseUrl`, asked with the admin key unless told otherwise; `writeAuth` is the write key's. */
export function privacyApi(baseUrl: string, adminAuth: string, writeAuth: string, timeoutMs: number) {
  /** A JSON request; the status and the parsed body (null when it is not JSON). */
  const request = async (method: string, path: string, body?: unknown, authorization = adminAuth) => {
    const response = await fetchRetrying(`${baseUrl}${path}`, {
      method,
      headers: { authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    let json: Record<string, unknown> | null = null;
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = null;
    }
    return { status: response.status, json, text };
  };
  const expect = async (status: number, method: string, path: string, body?: unknown, authorization = adminAuth) => {
    const answer = await request(method, path, body, authorization);
    if (answer.status !== status)
      throw new Error(`${method} ${path} answered ${answer.status}, not ${status}: ${answer.text.slice(0, 500)}`);
    return answer.json ?? {};
  };
  /** Messages through /v1/batch, CLIENTS at a time in batches of BATCH; the seconds until all were acknowledged. */
  const sendBatches = async (messages: unknown[], label: string) => {
    const started = performance.now();
    let next = 0;
    let sent = 0;
    let reported = 0;
    await inParallel(CLIENTS, async () => {
      for (let from = next; from < messages.length && !interrupted; from = next) {
        next += BATCH;
        await expect(200, 'POST', '/v1/batch', { batch: messages.slice(from, from + BATCH) }, writeAuth);
        sent += Math.min(BATCH, messages.length - from);
        if (sent - reported >= Math.max(10_000, messages.length / 5) && sent < messages.length) {
          reported = sent;
          log(`${label}: ${sent}/${messages.length} acknowledged, ${Math.round(sent / ((performance.now() - started) / 1000))}/s`);
        }
      }
    });
    return (performance.now() - started) / 1000;
  };

  /** Polls a request's status until `done` holds; the last status. */
  const follow = async (path: string, first: Record<string, unknown>, done: (status: Record<string, unknown>) => boolean) => {
    const deadline = Date.now() + timeoutMs;
    const started = performance.now();
    let status = first;
    let polls = 0;
    while (!done(status)) {
      if (Date.now() > deadline) throw new Error(`${path}: not done after ${timeoutMs} ms (${JSON.stringify(status)})`);
      await delay(performance.now() - started < 4000 ? 50 : 200);
      status = await expect(200, 'GET', path);
      polls++;
    }
    return { status, polls };
  };
  /** The download link on the address this bench knows (the link names the server as it was reached). */
  const onBase = (url: string) => {
    const link = new URL(url);
    return `${baseUrl}${link.pathname}${link.search}`;
  };
  return { writeAuth, request, expect, sendBatches, follow, onBase };
}

export type PrivacyApi = ReturnType<typeof privacyApi>;
