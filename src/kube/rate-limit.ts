/**
 * Client-side pacing. @kubernetes/client-node has no rate limiter (client-go
 * defaults to 5 QPS / burst 10), so a controller that backfills thousands of
 * namespaces needs its own: a token bucket every API request waits on, which
 * the API server can also pause with HTTP 429 + Retry-After. And the per-key
 * retry delay: exponential with jitter, so keys that failed together do not
 * retry together.
 */

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => {
    setTimeout(resolve, ms);
  }),
};

/**
 * A token bucket with reservations (like golang.org/x/time/rate's Wait):
 * `take()` reserves the next token at once, so waiters are served in order
 * and none of them spins.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private pausedUntil = 0;

  constructor(private readonly qps: number, private readonly burst: number, private readonly clock: Clock = realClock) {
    if (!(qps > 0) || !(burst >= 1)) throw new RangeError(`a token bucket needs qps > 0 and burst >= 1 (got ${qps}, ${burst})`);
    this.tokens = burst;
    this.last = clock.now();
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
  }

  /** How long the caller must wait for its token (0: go now). Reserves the token. */
  reserve(): number {
    const now = this.clock.now();
    this.refill(now);
    this.tokens -= 1;
    const tokenWait = this.tokens >= 0 ? 0 : (-this.tokens / this.qps) * 1000;
    return Math.max(tokenWait, this.pausedUntil - now);
  }

  async take(): Promise<void> {
    const wait = this.reserve();
    if (wait > 0) await this.clock.sleep(wait);
  }

  /** A token if one is free now; never waits (for best-effort work such as Events). */
  tryTake(): boolean {
    const now = this.clock.now();
    this.refill(now);
    if (now < this.pausedUntil || this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** The server asked us to slow down (429): nobody gets a token before `ms` from now. */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.clock.now() + ms);
  }
}

/** Exponential backoff with jitter: base·2^(failures-1), capped, scaled by a random factor in [1-jitter, 1]. */
export function backoffDelay(failures: number, baseMs: number, maxMs: number, jitter = 0.2, random: () => number = Math.random): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, failures - 1));
  return Math.round(exp * (1 - jitter * random()));
}
