import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { collectWhenSettled } from './startup-gc.js';

describe('collectWhenSettled', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('collects once, after the process has been settled for quietTicks in a row', () => {
    const gc = vi.fn();
    const answers = [false, true, true, false, true, true, true, true, true];
    let i = 0;
    const collected: [number, number][] = [];
    let heap = 20;
    const s = collectWhenSettled({
      settled: () => answers[i++] ?? true, gc, intervalMs: 1_000, quietTicks: 3,
      heapUsed: () => heap, onCollected: (before, after) => collected.push([before, after]),
    });
    gc.mockImplementation(() => { heap = 12; });
    vi.advanceTimersByTime(6_000);
    // ticks 1-6: false, true, true, false (resets), true, true: two quiet ticks so far.
    expect(gc).not.toHaveBeenCalled();
    expect(s.pending).toBe(true);
    vi.advanceTimersByTime(1_000);
    expect(gc).toHaveBeenCalledTimes(1);
    expect(collected).toEqual([[20, 12]]);
    expect(s.pending).toBe(false);
    vi.advanceTimersByTime(60_000);
    expect(gc).toHaveBeenCalledTimes(1);
  });

  it('collects at the timeout when the process never settles', () => {
    const gc = vi.fn();
    collectWhenSettled({ settled: () => false, gc, intervalMs: 1_000, timeoutMs: 10_000 });
    vi.advanceTimersByTime(9_000);
    expect(gc).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1_000);
    expect(gc).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(60_000);
    expect(gc).toHaveBeenCalledTimes(1);
  });

  it('does nothing, and schedules nothing, where no collector is exposed', () => {
    const settled = vi.fn(() => true);
    const s = collectWhenSettled({ settled, gc: undefined });
    expect(s.pending).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(600_000);
    expect(settled).not.toHaveBeenCalled();
  });

  it('takes the runtime gc only when it is exposed', () => {
    const exposed = typeof (globalThis as { gc?: unknown }).gc === 'function';
    const s = collectWhenSettled({ settled: () => true });
    expect(s.pending).toBe(exposed);
    s.stop();
    expect(s.pending).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stop() before settling cancels the collection', () => {
    const gc = vi.fn();
    const s = collectWhenSettled({ settled: () => true, gc, quietTicks: 3 });
    vi.advanceTimersByTime(2_000);
    s.stop();
    vi.advanceTimersByTime(60_000);
    expect(gc).not.toHaveBeenCalled();
  });
});
