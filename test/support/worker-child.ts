/**
 * A worker in a child process (test/support/worker-process.ts), for tests that kill it:
 * resolves once it polls its task queue. `killAfter` names the activity after whose work
 * it kills itself.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mongoUri } from './servers.js';

export interface WorkerChild {
  temporalAddress: string;
  taskQueue: string;
  dbName: string;
  smtpUrl?: string;
  /** The deployment's admin key (the privacy secret derives from it). */
  adminKey?: string;
  killAfter?: string;
}

export function forkWorker(options: WorkerChild): Promise<ChildProcess> {
  const child = fork(fileURLToPath(new URL('./worker-process.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    env: {
      ...process.env,
      WORKER_TEMPORAL: options.temporalAddress,
      WORKER_QUEUE: options.taskQueue,
      WORKER_MONGO: mongoUri(),
      WORKER_DB: options.dbName,
      ...(options.smtpUrl ? { WORKER_SMTP: options.smtpUrl } : {}),
      ...(options.adminKey ? { WORKER_ADMIN_KEY: options.adminKey } : {}),
      ...(options.killAfter ? { WORKER_KILL_AFTER: options.killAfter } : {}),
    },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`worker exited with ${code} before it was ready`)));
  });
}

/** Resolves once the child has exited (at once if it has). */
export function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}
