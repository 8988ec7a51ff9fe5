/** Liveness (`/health`: the process answers) and readiness (`/ready`: its servers answer). */
import { Router } from 'express';
import type { AppDeps } from '../app.js';

const withTimeout = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref())]);

export function healthRoutes(deps: AppDeps): Router {
  const router = Router();
  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/ready', async (_req, res) => {
    const [mongodb, temporal] = await Promise.all([
      withTimeout(deps.stores.ping(), 2000).then(() => 'up', () => 'down'),
      withTimeout(deps.temporalReady(), 2000).then(() => 'up', () => 'down'),
    ]);
    const ready = mongodb === 'up' && temporal === 'up';
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', mongodb, temporal });
  });
  return router;
}
