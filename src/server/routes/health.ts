/**
 * Liveness (`/health`: the process answers) and readiness (`/ready`: what this process
 * needs is up). /ready names each part with `up` or `down` — the database, Temporal, and
 * this process's worker when it runs one — and answers 503 when any is down, listing them
 * in `down` (and the worker's state, which says stopped or failed).
 */
import { Router } from 'express';
import type { AppDeps } from '../deps.js';

const withTimeout = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref())]);

type Status = 'up' | 'down';

export function healthRoutes(deps: AppDeps): Router {
  const router = Router();
  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/ready', async (_req, res) => {
    const [mongodb, temporal] = await Promise.all([
      withTimeout(deps.stores.ping(), 2000).then(
        (): Status => 'up',
        (): Status => 'down',
      ),
      withTimeout(deps.temporalReady(), 2000).then(
        (): Status => 'up',
        (): Status => 'down',
      ),
    ]);
    const worker = deps.workerHealth?.();
    const parts: Record<string, Status> = { mongodb, temporal, ...(worker ? { worker: worker.up ? 'up' : 'down' } : {}) };
    const down = Object.keys(parts).filter((part) => parts[part] === 'down');
    if (down.length === 0) {
      res.json({ status: 'ready', ...parts });
      return;
    }
    res.status(503).json({
      status: 'not_ready',
      ...parts,
      down,
      ...(worker && !worker.up ? { workerState: worker.state, ...(worker.error ? { workerError: worker.error } : {}) } : {}),
    });
  });
  return router;
}
