import { describe, expect, it } from 'vitest';
import { OwnerCache } from '../../src/store/owner-cache.js';

describe('OwnerCache', () => {
  it('remembers owners, forgetting the least recently used beyond its size', () => {
    const cache = new OwnerCache(2);
    cache.set('userId:a', 'p1');
    cache.set('userId:b', 'p2');
    expect(cache.get('userId:a')).toBe('p1'); // a is now the most recently used
    cache.set('userId:c', 'p3');
    expect(cache.get('userId:b')).toBeUndefined();
    expect(cache.get('userId:a')).toBe('p1');
    expect(cache.get('userId:c')).toBe('p3');
  });

  it('forgets entries older than its time to live', () => {
    let now = 0;
    const cache = new OwnerCache(10, 1000, () => now);
    cache.set('email:x@example.com', 'p1');
    now = 999;
    expect(cache.get('email:x@example.com')).toBe('p1');
    now = 1999; // reading does not extend the life of an entry
    expect(cache.get('email:x@example.com')).toBeUndefined();
  });

  it('follows merges and erasures of a profile, and forgets only what the profile owns', () => {
    const cache = new OwnerCache();
    cache.set('anonymousId:d1', 'p1');
    cache.set('anonymousId:d2', 'p1');
    cache.set('userId:u', 'p2');
    cache.moveProfile('p1', 'p2');
    expect([cache.get('anonymousId:d1'), cache.get('anonymousId:d2')]).toEqual(['p2', 'p2']);
    cache.forget('userId:u', 'p9');
    expect(cache.get('userId:u')).toBe('p2');
    cache.forget('userId:u', 'p2');
    expect(cache.get('userId:u')).toBeUndefined();
    cache.moveProfile('p2', null);
    expect(cache.get('anonymousId:d1')).toBeUndefined();
  });
});
