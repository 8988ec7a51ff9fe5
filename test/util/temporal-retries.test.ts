/**
 * Closing a Temporal connection while a call is retrying: the SDK's retry timer then throws
 * inside the timer and kills the process; with quiescingRetries the retry runs before the
 * close, the call fails cleanly, and the process lives. Both in a child process, so the
 * crash being proven does not take the test runner with it.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../support/close-while-retrying.ts', import.meta.url));
const run = (mode: string) => spawnSync(process.execPath, ['--import', 'tsx', script, mode], { encoding: 'utf8', timeout: 30_000 });

describe('closing a Temporal connection while a call retries', () => {
  it('kills the process when closed at once (the flaw being guarded against)', () => {
    const plain = run('plain');
    expect(plain.status).not.toBe(0);
    expect(plain.stderr).toContain('Channel has been shut down');
  }, 40_000);

  it('fails the call and keeps the process when the retries are quiesced first', () => {
    const quiesced = run('quiesce');
    expect(quiesced.stderr).not.toContain('Channel has been shut down');
    expect(quiesced.status).toBe(0);
    // 14: UNAVAILABLE, nothing listens there; the call is not left hanging.
    expect(quiesced.stdout.trim()).toBe('failed with code 14');
  }, 40_000);
});
