/**
 * Leader election against an in-memory Lease with the API server's
 * optimistic concurrency (409 on a stale resourceVersion), on a fake clock.
 */
import { describe, expect, it } from 'vitest';
import { LeaderElector, microTime, type LeaseRecord, type LeaseSpec, type LeaseStore } from './leader.js';
import type { Clock } from './rate-limit.js';
import { KubeApiError } from './rest.js';

class FakeLease implements LeaseStore {
  record: LeaseRecord | undefined;
  private rv = 0;
  failing = false;
  calls = 0;

  private check(): void {
    this.calls += 1;
    if (this.failing) throw new KubeApiError(0, 'Unreachable', 'the API server did not answer');
  }

  get(): Promise<LeaseRecord | undefined> {
    this.check();
    return Promise.resolve(this.record === undefined ? undefined : structuredClone(this.record));
  }

  create(spec: LeaseSpec): Promise<LeaseRecord> {
    this.check();
    if (this.record !== undefined) return Promise.reject(new KubeApiError(409, 'AlreadyExists', 'exists'));
    this.record = { spec: structuredClone(spec), resourceVersion: String(++this.rv) };
    return Promise.resolve(structuredClone(this.record));
  }

  update(spec: LeaseSpec, resourceVersion: string): Promise<LeaseRecord> {
    this.check();
    if (this.record?.resourceVersion !== resourceVersion) return Promise.reject(new KubeApiError(409, 'Conflict', 'stale'));
    this.record = { spec: structuredClone(spec), resourceVersion: String(++this.rv) };
    return Promise.resolve(structuredClone(this.record));
  }
}

const clock = (): Clock & { t: number } => {
  const c = { t: 0, now: () => c.t, sleep: () => Promise.resolve() };
  return c;
};

const quiet = { info: () => undefined, warn: () => undefined };
const timings = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

function elector(store: LeaseStore, id: string, c: Clock, log: string[] = []) {
  return new LeaderElector(store, id, timings, {
    onStartedLeading: () => log.push(`${id} started`),
    onStoppedLeading: () => log.push(`${id} stopped`),
  }, quiet, c, () => new Date(Date.UTC(2030, 0, 1)));
}

describe('LeaderElector', () => {
  it('one of two candidates leads; the other keeps waiting while the leader renews', async () => {
    const store = new FakeLease();
    const c = clock();
    const log: string[] = [];
    const a = elector(store, 'a', c, log);
    const b = elector(store, 'b', c, log);
    expect(await a.tick()).toBe(true);
    expect(await b.tick()).toBe(false);
    for (let i = 0; i < 20; i++) {
      c.t += 2_000;
      expect(await a.tick()).toBe(true);
      expect(await b.tick()).toBe(false);
    }
    expect(a.isLeader()).toBe(true);
    expect(b.isLeader()).toBe(false);
    expect(b.leader).toBe('a');
    expect(log).toEqual(['a started']);
    expect(store.record?.spec).toMatchObject({ holderIdentity: 'a', leaseDurationSeconds: 15, leaseTransitions: 0 });
  });

  it('a candidate takes over a lease that has not changed for a lease duration (by its own clock)', async () => {
    const store = new FakeLease();
    const c = clock();
    const log: string[] = [];
    const a = elector(store, 'a', c, log);
    const b = elector(store, 'b', c, log);
    await a.tick();
    await b.tick();
    // a dies: nobody renews. b retries every 2 s.
    let tookOverAt = -1;
    for (let i = 1; i <= 10; i++) {
      c.t += 2_000;
      if (await b.tick()) {
        tookOverAt = c.t;
        break;
      }
    }
    expect(tookOverAt).toBe(16_000);
    expect(store.record?.spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    expect(log).toEqual(['a started', 'b started']);
  });

  it('a leader that cannot renew steps down within the renew deadline, before anyone may take over', async () => {
    const store = new FakeLease();
    const c = clock();
    const log: string[] = [];
    const a = elector(store, 'a', c, log);
    await a.tick();
    store.failing = true;
    let steppedDownAt = -1;
    for (let i = 1; i <= 10; i++) {
      c.t += 2_000;
      await a.tick();
      if (!log.includes('a stopped')) continue;
      steppedDownAt = c.t;
      break;
    }
    expect(steppedDownAt).toBe(10_000);
    expect(steppedDownAt).toBeLessThan(timings.leaseDurationMs);
    expect(a.isLeader()).toBe(false);
  });

  it('isLeader() turns false once the last renewal is older than the renew deadline, even between ticks', async () => {
    const store = new FakeLease();
    const c = clock();
    const a = elector(store, 'a', c);
    await a.tick();
    c.t += 9_999;
    expect(a.isLeader()).toBe(true);
    c.t += 1;
    expect(a.isLeader()).toBe(false);
  });

  it('releases the lease on stop, so the next candidate takes over at its next retry', async () => {
    const store = new FakeLease();
    const c = clock();
    const log: string[] = [];
    const a = elector(store, 'a', c, log);
    const b = elector(store, 'b', c, log);
    await a.tick();
    await b.tick();
    await a.stop();
    expect(store.record?.spec.holderIdentity).toBe('');
    c.t += 2_000;
    expect(await b.tick()).toBe(true);
    expect(log).toEqual(['a started', 'a stopped', 'b started']);
  });

  it('two candidates racing for an expired lease: exactly one wins', async () => {
    const store = new FakeLease();
    const c = clock();
    const a = elector(store, 'a', c);
    const b = elector(store, 'b', c);
    const results = await Promise.all([a.tick(), b.tick()]);
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('a leader that finds someone else holding the lease steps down', async () => {
    const store = new FakeLease();
    const c = clock();
    const log: string[] = [];
    const a = elector(store, 'a', c, log);
    await a.tick();
    store.record = { spec: { ...store.record!.spec, holderIdentity: 'intruder' }, resourceVersion: '999' };
    c.t += 2_000;
    expect(await a.tick()).toBe(false);
    expect(log).toEqual(['a started', 'a stopped']);
  });

  it('refuses timings where two leaders could overlap', () => {
    expect(() => new LeaderElector(new FakeLease(), 'a', { leaseDurationMs: 10_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 }, { onStartedLeading: () => undefined, onStoppedLeading: () => undefined }, quiet)).toThrow(RangeError);
  });

  it('writes MicroTime with six fractional digits', () => {
    expect(microTime(new Date(Date.UTC(2030, 0, 2, 3, 4, 5, 678)))).toBe('2030-01-02T03:04:05.678000Z');
  });
});
