/**
 * Which HTTP request the running code serves, if any, without passing it down every call:
 * the logger stamps its id on every line written on the request's behalf (src/logger.ts),
 * so an operator can follow one request through the routes, the stores and the Temporal
 * client with one search.
 *
 * Work that serves many requests at once (the profile writer's rounds) is started outside
 * any request (`outsideRequest`), or its lines would carry whichever request woke it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const current = new AsyncLocalStorage<{ requestId: string }>();

export function withRequest<T>(requestId: string, run: () => T): T {
  return current.run({ requestId }, run);
}

export function currentRequestId(): string | undefined {
  return current.getStore()?.requestId;
}

export function outsideRequest<T>(run: () => T): T {
  return current.exit(run);
}
