/** Daemons in their own process group, free ports, and the lock between commands on one state folder. */
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireLock, freePorts, pidAlive, pidOf, run, startDaemon, stopDaemon, tcpOpen, waitFor } from './processes.js';

const dir = mkdtempSync(join(tmpdir(), 'tg-dev-processes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('daemons', () => {
  it('start detached with their output in a log, and stop with their whole process group', async () => {
    const pidFile = join(dir, 'd.pid');
    // The shell starts a child of its own: stopping the daemon stops both.
    startDaemon(pidFile, join(dir, 'd.log'), 'bash', ['-c', 'echo started; sleep 300 & echo $! > child.pid; wait'], { cwd: dir });
    await waitFor('the daemon', 30, () => Promise.resolve(readFileSync(join(dir, 'd.log'), 'utf8').includes('started') && pidOf(join(dir, 'child.pid')) !== undefined));
    const child = pidOf(join(dir, 'child.pid'))!;
    expect(pidAlive(pidFile)).toBe(true);
    await stopDaemon('d', pidFile);
    expect(pidOf(pidFile)).toBeUndefined();
    await waitFor('the child to go', 30, () => Promise.resolve(!pidAlive(join(dir, 'child.pid'))));
    expect(() => process.kill(child, 0)).toThrow();
  });

  it('waiting stops as soon as the daemon it waits for has exited', async () => {
    const pidFile = join(dir, 'e.pid');
    startDaemon(pidFile, join(dir, 'e.log'), 'bash', ['-c', 'exit 3']);
    await expect(waitFor('never', 60, () => Promise.resolve(false), { name: 'e', pidFile })).rejects.toThrow('e exited while waiting for never');
  });
});

describe('ports and programs', () => {
  it('free ports are distinct, and nothing listens on them', async () => {
    const ports = await freePorts(4);
    expect(new Set(ports).size).toBe(4);
    for (const p of ports) expect(await tcpOpen(p)).toBe(false);
  });

  it('run gives the exit code and both outputs, and feeds standard input', async () => {
    expect(await run('bash', ['-c', 'read x; echo "out $x"; echo err >&2; exit 4'], { input: 'in\n' })).toEqual({ code: 4, stdout: 'out in\n', stderr: 'err\n' });
  });
});

describe('the lock', () => {
  it('is exclusive until released, and a lock left by a process that died is taken over', async () => {
    const file = join(dir, 'state.lock');
    const release = await acquireLock(file, 5);
    await expect(acquireLock(file, 0.5)).rejects.toThrow(`another cluster command has held ${file}`);
    release();
    const again = await acquireLock(file, 5);
    again();
    const dead = await run('bash', ['-c', 'echo $$']);
    writeFileSync(file, dead.stdout);
    const taken = await acquireLock(file, 5);
    expect(pidOf(file)).toBe(process.pid);
    taken();
    // Empty: being written right now, so waited for; empty for long (a crash, or an older flock-based harness): stale.
    writeFileSync(file, '');
    await expect(acquireLock(file, 0.5)).rejects.toThrow(`another cluster command has held ${file}`);
    const old = new Date(Date.now() - 60_000);
    utimesSync(file, old, old);
    const fromEmpty = await acquireLock(file, 5);
    expect(pidOf(file)).toBe(process.pid);
    fromEmpty();
  });
});
