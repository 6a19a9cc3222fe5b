/** The work queue's promises (dedupe, one worker per key, backoff) and the token bucket. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WorkQueue } from './queue.js';
import { TokenBucket, backoffDelay, type Clock } from './rate-limit.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('WorkQueue', () => {
  it('coalesces a burst of adds of one key into one item', async () => {
    const q = new WorkQueue();
    for (let i = 0; i < 100; i++) q.add('a');
    q.add('b');
    q.add('a');
    expect(q.length).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
    expect(q.length).toBe(0);
  });

  it('never hands a key to two workers; an add during processing comes back after done()', async () => {
    const q = new WorkQueue();
    q.add('a');
    const key = await q.get();
    q.add('a');
    q.add('a');
    expect(q.length).toBe(0);
    q.done(key!);
    expect(q.length).toBe(1);
    expect(await q.get()).toBe('a');
    q.done('a');
    expect(q.length).toBe(0);
  });

  it('wakes a waiting worker when a key arrives', async () => {
    const q = new WorkQueue();
    const waiting = q.get();
    q.add('x');
    expect(await waiting).toBe('x');
    // The key is being processed: adding it again waits for done().
    q.add('x');
    expect(q.length).toBe(0);
    q.done('x');
    expect(await q.get()).toBe('x');
  });

  it('keeps FIFO order over many keys', async () => {
    const q = new WorkQueue();
    const keys = Array.from({ length: 3000 }, (_, i) => `ns-${i}`);
    for (const k of keys) q.add(k);
    const got: string[] = [];
    for (let i = 0; i < keys.length; i++) {
      const k = (await q.get())!;
      got.push(k);
      q.done(k);
    }
    expect(got).toEqual(keys);
  });

  it('retries a failing key with growing delays, and forget() starts over', () => {
    vi.useFakeTimers();
    const q = new WorkQueue({ baseDelayMs: 100, maxDelayMs: 1000, random: () => 0 });
    expect(q.addRateLimited('a')).toBe(100);
    vi.advanceTimersByTime(99);
    expect(q.length).toBe(0);
    vi.advanceTimersByTime(1);
    expect(q.length).toBe(1);
    expect(q.addRateLimited('a')).toBe(200);
    expect(q.addRateLimited('a')).toBe(400);
    expect(q.addRateLimited('a')).toBe(800);
    expect(q.addRateLimited('a')).toBe(1000);
    expect(q.failuresOf('a')).toBe(5);
    q.forget('a');
    expect(q.addRateLimited('a')).toBe(100);
  });

  it('shutdown releases waiting workers with undefined and ignores later adds', async () => {
    const q = new WorkQueue();
    const waiting = q.get();
    q.shutdown();
    expect(await waiting).toBeUndefined();
    q.add('a');
    expect(await q.get()).toBeUndefined();
  });
});

describe('backoffDelay', () => {
  it.each([
    [1, 0, 100], [2, 0, 200], [3, 0, 400], [10, 0, 5000], [1, 1, 80], [3, 0.5, 360],
  ])('failure %i with random %f → %i ms (base 100, cap 5000, jitter 20%%)', (failures, random, ms) => {
    expect(backoffDelay(failures, 100, 5000, 0.2, () => random)).toBe(ms);
  });
});

class FakeClock implements Clock {
  t = 0;
  slept: number[] = [];
  now(): number {
    return this.t;
  }
  sleep(ms: number): Promise<void> {
    this.slept.push(ms);
    this.t += ms;
    return Promise.resolve();
  }
}

describe('TokenBucket', () => {
  it('lets a burst through at once, then paces at qps', async () => {
    const clock = new FakeClock();
    const b = new TokenBucket(10, 3, clock);
    for (let i = 0; i < 3; i++) await b.take();
    expect(clock.slept).toEqual([]);
    await b.take();
    await b.take();
    expect(clock.slept.map((ms) => Math.round(ms))).toEqual([100, 100]);
  });

  it('refills with time, never above the burst', () => {
    const clock = new FakeClock();
    const b = new TokenBucket(10, 2, clock);
    expect(b.reserve()).toBe(0);
    expect(b.reserve()).toBe(0);
    clock.t += 10_000;
    expect(b.reserve()).toBe(0);
    expect(b.reserve()).toBe(0);
    expect(Math.round(b.reserve())).toBe(100);
  });

  it('serves concurrent waiters one token apart', () => {
    const clock = new FakeClock();
    const b = new TokenBucket(5, 1, clock);
    const waits = [b.reserve(), b.reserve(), b.reserve()].map(Math.round);
    expect(waits).toEqual([0, 200, 400]);
  });

  it('pause() holds every request back (HTTP 429), tryTake() never waits', () => {
    const clock = new FakeClock();
    const b = new TokenBucket(100, 10, clock);
    b.pause(2000);
    expect(b.tryTake()).toBe(false);
    expect(b.reserve()).toBe(2000);
    clock.t += 2000;
    expect(b.tryTake()).toBe(true);
  });

  it('tryTake() refuses once the burst is spent', () => {
    const clock = new FakeClock();
    const b = new TokenBucket(1, 2, clock);
    expect([b.tryTake(), b.tryTake(), b.tryTake()]).toEqual([true, true, false]);
    clock.t += 1000;
    expect(b.tryTake()).toBe(true);
  });

  it('rejects a bucket that could never give a token', () => {
    expect(() => new TokenBucket(0, 1)).toThrow(RangeError);
    expect(() => new TokenBucket(1, 0)).toThrow(RangeError);
  });
});
