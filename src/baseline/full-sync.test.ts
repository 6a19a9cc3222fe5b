/** A full sync completes once every namespace it queued was reconciled or went away. */
import { describe, expect, it } from 'vitest';
import { FullSync, type FullSyncDone } from './full-sync.js';

function tracker() {
  const done: FullSyncDone[] = [];
  return { sync: new FullSync((d) => done.push(d)), done };
}

describe('FullSync', () => {
  it('completes when the last queued namespace is reconciled, not before', () => {
    const { sync, done } = tracker();
    sync.begin(['a', 'b'], 'became leader');
    sync.reconciled('a');
    sync.reconciled('a');
    expect(done).toEqual([]);
    sync.reconciled('b');
    expect(done).toMatchObject([{ reason: 'became leader', count: 1 }]);
    expect(sync.count).toBe(1);
  });

  it('a deleted namespace counts as done; a namespace it did not queue changes nothing', () => {
    const { sync, done } = tracker();
    sync.begin(['a', 'b'], 'periodic resync');
    sync.reconciled('c');
    sync.gone('a');
    expect(done).toEqual([]);
    sync.gone('b');
    expect(done).toHaveLength(1);
  });

  it('with no namespaces it is complete at once; a new one replaces one still running', () => {
    const { sync, done } = tracker();
    sync.begin([], 'namespaces listed');
    expect(done).toMatchObject([{ count: 1 }]);
    sync.begin(['a'], 'first');
    sync.begin(['b'], 'second');
    sync.reconciled('a');
    expect(done).toHaveLength(1);
    sync.reconciled('b');
    expect(done.at(-1)).toMatchObject({ reason: 'second', count: 2 });
    // Nothing running: reconciles are not counted.
    sync.reconciled('b');
    expect(sync.count).toBe(2);
  });
});
