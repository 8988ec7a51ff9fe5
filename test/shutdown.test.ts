/**
 * Stopping within a deadline: a step that hangs does not hold the stop, the servers are
 * stopped anyway (here a real process), and the outcome says what was left undone.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRunning, startProcess, type ManagedProcess } from '../src/infra/process.js';
import { EXIT_STOP_INCOMPLETE, exitCodeForSignal, stopWithin, type StopStep } from '../src/shutdown.js';

let dir: string;
const started: ManagedProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'itinera-shutdown-'));
});

afterAll(async () => {
  for (const proc of started) proc.kill();
  await rm(dir, { recursive: true, force: true });
});

async function server(): Promise<ManagedProcess> {
  const proc = await startProcess('server', 'sleep', ['1000'], { logFile: join(dir, 'server.log') });
  started.push(proc);
  return proc;
}

function serverStep(proc: ManagedProcess, lateness: boolean[]): StopStep {
  return {
    name: proc.name,
    run: async (late) => {
      lateness.push(late);
      await proc.stop();
    },
  };
}

const step = (name: string, ran: string[], run: () => Promise<void> = async () => undefined): StopStep => ({
  name,
  run: async () => {
    ran.push(name);
    await run();
  },
});

describe('stopWithin', () => {
  it('runs the steps in order, then the final ones, and exits with 0', async () => {
    const ran: string[] = [];
    const lateness: boolean[] = [];
    const proc = await server();
    const outcome = await stopWithin({
      graceful: [step('http', ran), step('runtime', ran)],
      final: [serverStep(proc, lateness)],
      deadlineMs: 5000,
    });
    expect(outcome).toEqual({ exitCode: 0, skipped: [], failed: [] });
    expect(ran).toEqual(['http', 'runtime']);
    expect(lateness).toEqual([false]);
    expect(isRunning(proc.pid)).toBe(false);
  });

  it('abandons a step that hangs at the deadline, skips the rest, still stops the servers, and exits non-zero', async () => {
    const ran: string[] = [];
    const lateness: boolean[] = [];
    const proc = await server();
    const deadlines: string[] = [];
    const outcome = await stopWithin(
      {
        graceful: [step('http', ran), step('runtime', ran, () => new Promise(() => undefined)), step('after', ran)],
        final: [serverStep(proc, lateness)],
        deadlineMs: 300,
      },
      { onDeadline: (running) => deadlines.push(running) },
    );
    expect(outcome.exitCode).toBe(EXIT_STOP_INCOMPLETE);
    expect(outcome.exitCode).not.toBe(0);
    expect(outcome).toMatchObject({ timedOut: 'runtime', skipped: ['after'], failed: [] });
    expect(deadlines).toEqual(['runtime']);
    expect(ran).toEqual(['http', 'runtime']);
    expect(lateness).toEqual([true]);
    expect(isRunning(proc.pid)).toBe(false);
  });

  it('goes on past a step that fails, and exits non-zero', async () => {
    const ran: string[] = [];
    const failure = new Error('connection lost');
    const outcome = await stopWithin({
      graceful: [step('http', ran, () => Promise.reject(failure)), step('runtime', ran)],
      final: [step('servers', ran)],
      deadlineMs: 5000,
    });
    expect(ran).toEqual(['http', 'runtime', 'servers']);
    expect(outcome).toEqual({ exitCode: EXIT_STOP_INCOMPLETE, skipped: [], failed: [{ step: 'http', error: failure }] });
  });

  it('exits as shells report a signal after a second one', () => {
    expect(exitCodeForSignal('SIGINT')).toBe(130);
    expect(exitCodeForSignal('SIGTERM')).toBe(143);
  });
});
