/**
 * One full garbage collection once the process has settled after start-up.
 *
 * Why: start-up leaves garbage (the bundle's compilation, the first lists of
 * every informer, the controller's first sync) that V8 does not collect
 * while the process idles, because it collects when allocating and an idle
 * webhook hardly allocates. With the image's heap settings (a moderate
 * young generation and old-generation growth of 20 %, IMAGE_NODE_FLAGS in
 * scripts/cli-build-options.mjs) that garbage, with the young generation the
 * start-up lists grew, was about 12 MiB of an idle replica's resident size
 * (110 MiB against a small cluster, 98 after this collection). The other way
 * to keep it small, --optimize-for-size, cost up to twice the CPU per
 * request (bench/README.md).
 *
 * It runs only where the runtime exposes `gc` (the image starts node with
 * --expose-gc); anywhere else (the npm package's bin, tests) it does nothing.
 * One collection of a heap of 15-20 MiB pauses the event loop for a few
 * milliseconds, once, at a moment the process is quiet.
 */

export interface StartupGcOptions {
  /** True when start-up work is done: caches synced, nothing queued. */
  settled: () => boolean;
  /** The collector; default the runtime's `gc` when exposed. */
  gc?: (() => void) | undefined;
  /** How often `settled` is asked. */
  intervalMs?: number;
  /** Consecutive settled answers before collecting, so a burst that ends is not collected in the middle. */
  quietTicks?: number;
  /** Collect anyway after this long (a cluster that never syncs still leaves its start-up garbage). */
  timeoutMs?: number;
  /** Told the heap in use before and after, in bytes. */
  onCollected?: (before: number, after: number) => void;
  /** The heap in use, in bytes (process.memoryUsage().heapUsed). */
  heapUsed?: () => number;
}

export interface StartupGc {
  /** Whether a collection is still to come. */
  readonly pending: boolean;
  stop(): void;
}

/**
 * The runtime's collector with V8's "last resort" flavour: a full collection
 * that also shrinks the young generation back to its initial size and gives
 * free pages back. A plain gc() leaves a young generation grown by the
 * start-up lists at its grown size (up to 3 x 8 MiB with the image's flags).
 */
function exposedGc(): (() => void) | undefined {
  const gc = (globalThis as { gc?: unknown }).gc;
  if (typeof gc !== 'function') return undefined;
  return () => {
    (gc as (options: object) => void)({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  };
}

export function collectWhenSettled(opts: StartupGcOptions): StartupGc {
  const gc = 'gc' in opts ? opts.gc : exposedGc();
  const intervalMs = opts.intervalMs ?? 1_000;
  const quietTicks = opts.quietTicks ?? 3;
  const timeoutMs = opts.timeoutMs ?? 300_000;
  const heapUsed = opts.heapUsed ?? (() => process.memoryUsage().heapUsed);
  let quiet = 0;
  let elapsed = 0;
  let timer: NodeJS.Timeout | undefined;
  const stop = () => {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
  };
  if (gc !== undefined) {
    timer = setInterval(() => {
      elapsed += intervalMs;
      quiet = opts.settled() ? quiet + 1 : 0;
      if (quiet < quietTicks && elapsed < timeoutMs) return;
      stop();
      const before = heapUsed();
      gc();
      opts.onCollected?.(before, heapUsed());
    }, intervalMs);
    // Never the reason the process stays up.
    timer.unref();
  }
  return {
    get pending() {
      return timer !== undefined;
    },
    stop,
  };
}
