/**
 * The generic worker loop of a controller: N workers take keys from a
 * WorkQueue and reconcile them, but only while the gate is open (this
 * process leads and its caches are synced). A failed key comes back after
 * its per-key backoff; a key taken while the gate closed is put back, so the
 * next leader (maybe this process again) looks at it.
 *
 *   queue.get() ─► gate open? ─► reconcile(key) ─► ok: forget(key)
 *                                               └► error: addRateLimited(key)
 *
 * What a result means (metrics, logs, Events) is the caller's: the loop only
 * moves keys.
 */
import type { WorkQueue } from './queue.js';

export interface WorkerLoopOptions {
  queue: WorkQueue;
  workers: number;
  /** Whether reconciles may run now (leading, caches synced). */
  open(): boolean;
  reconcile(key: string): Promise<void>;
  /** The key converged: its failure count is forgotten. */
  onSuccess?(key: string): void;
  /** The key failed and comes back in `retryInMs`; `failures` counts attempts in a row. */
  onFailure?(key: string, err: unknown, failures: number, retryInMs: number): void;
  /** Errors that end the attempt without a retry (e.g. "no longer the leader"). */
  isSkip?(err: unknown): boolean;
  onSkip?(key: string): void;
}

export class WorkerLoop {
  private running: Promise<void>[] = [];
  private waiters: (() => void)[] = [];
  private stopped = false;

  constructor(private readonly opts: WorkerLoopOptions) {}

  start(): void {
    for (let i = 0; i < this.opts.workers; i++) this.running.push(this.work());
  }

  /** Wake workers waiting for the gate; call whenever what open() reads may have changed. */
  kick(): void {
    if (!this.opts.open() && !this.stopped) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** No new keys; resolves once the reconciles in progress have finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.opts.queue.shutdown();
    this.kick();
    await Promise.all(this.running);
  }

  private whenOpen(): Promise<void> {
    if (this.opts.open() || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private async work(): Promise<void> {
    const { queue } = this.opts;
    while (!this.stopped) {
      await this.whenOpen();
      if (this.stopped) return;
      const key = await queue.get();
      if (key === undefined) return;
      if (!this.opts.open()) {
        // The gate closed meanwhile (lost the lease): leave the key for whoever leads next.
        queue.done(key);
        if (!this.stopped) queue.add(key);
        continue;
      }
      await this.process(key);
      queue.done(key);
    }
  }

  private async process(key: string): Promise<void> {
    const { queue } = this.opts;
    try {
      await this.opts.reconcile(key);
      queue.forget(key);
      this.opts.onSuccess?.(key);
    } catch (err) {
      if (this.opts.isSkip?.(err) === true) {
        this.opts.onSkip?.(key);
        return;
      }
      const retryInMs = queue.addRateLimited(key);
      this.opts.onFailure?.(key, err, queue.failuresOf(key), retryInMs);
    }
  }
}
