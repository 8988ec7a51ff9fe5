import { describe, expect, it } from 'vitest';
import { KeyedLock } from '../../src/store/keyed-lock.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('KeyedLock', () => {
  it('runs tasks of one key one at a time, in order, and tasks of other keys alongside', async () => {
    const lock = new KeyedLock();
    const log: string[] = [];
    let running = 0;
    let maxRunning = 0;
    const task = (label: string) => async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      log.push(`start ${label}`);
      await tick();
      log.push(`end ${label}`);
      running--;
      return label;
    };
    const results = await Promise.all([lock.run('a', task('a1')), lock.run('a', task('a2')), lock.run('b', task('b1'))]);
    expect(results).toEqual(['a1', 'a2', 'b1']);
    expect(log.indexOf('end a1')).toBeLessThan(log.indexOf('start a2'));
    expect(maxRunning).toBe(2); // a1 and b1 together, never a1 and a2
  });

  it('keeps going after a failed task and passes the failure to its caller only', async () => {
    const lock = new KeyedLock();
    const failed = lock.run('k', () => Promise.reject(new Error('boom')));
    const next = lock.run('k', () => Promise.resolve('fine'));
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('fine');
  });
});
