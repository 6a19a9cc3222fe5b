/**
 * A full sync: every namespace queued at once (an informer listed again, this
 * process became the leader, the periodic resync), complete when each of them
 * has been reconciled without error or has gone away. Its completion is what
 * the lastFullSync metric, the log line "every namespace holds its baseline"
 * and the first audit wait for. A new full sync replaces one still running.
 */
export interface FullSyncDone {
  reason: string;
  /** Full syncs completed so far, this one included. */
  count: number;
  ms: number;
}

export class FullSync {
  private current: { pending: Set<string>; started: number; reason: string } | undefined;
  private completed = 0;

  constructor(private readonly onComplete: (done: FullSyncDone) => void) {}

  /** Full syncs completed so far. */
  get count(): number {
    return this.completed;
  }

  begin(names: readonly string[], reason: string): void {
    this.current = { pending: new Set(names), started: performance.now(), reason };
    this.check();
  }

  /** A namespace was reconciled without error. */
  reconciled(name: string): void {
    if (this.current?.pending.delete(name) === true) this.check();
  }

  /** A namespace was deleted: there is nothing left to reconcile. */
  gone(name: string): void {
    this.current?.pending.delete(name);
    this.check();
  }

  private check(): void {
    const c = this.current;
    if (c === undefined || c.pending.size > 0) return;
    this.current = undefined;
    this.completed += 1;
    this.onComplete({ reason: c.reason, count: this.completed, ms: Math.round(performance.now() - c.started) });
  }
}
