/**
 * The process plumbing of the development cluster: daemons started in their
 * own process group with their pid in a file (so a later command, or another
 * test run, can stop them), waiting for a condition while watching that the
 * daemon is still alive, free ports, a lock between commands that share one
 * state folder, and running a program to completion. Only 127.0.0.1 is ever
 * contacted.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { get } from 'node:https';
import { connect, createServer, type Server } from 'node:net';

export function log(text: string): void {
  process.stderr.write(`[cluster] ${text}\n`);
}

/** A failure the command reports as `ERROR: …` and exit 1. */
export class ClusterError extends Error {}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function pidOf(pidFile: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export function pidAlive(pidFile: string): boolean {
  const pid = pidOf(pidFile);
  return pid !== undefined && alive(pid);
}

/** Starts a daemon as the leader of its own process group, detached from our stdio, its output in `logFile`. */
export function startDaemon(pidFile: string, logFile: string, command: string, args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): number {
  const out = openSync(logFile, 'w');
  try {
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env ?? process.env, detached: true, stdio: ['ignore', out, out] });
    if (child.pid === undefined) throw new ClusterError(`cannot start ${command}`);
    child.unref();
    writeFileSync(pidFile, `${child.pid}\n`);
    return child.pid;
  } finally {
    closeSync(out);
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

/** Stops the daemon of a pid file (its whole process group): TERM, then KILL after 10 s. */
export async function stopDaemon(name: string, pidFile: string): Promise<void> {
  const pid = pidOf(pidFile);
  if (pid !== undefined && alive(pid)) {
    log(`stopping ${name} (pid ${pid})`);
    signalGroup(pid, 'SIGTERM');
    for (let i = 0; i < 100 && alive(pid); i++) await sleep(100);
    if (alive(pid)) {
      log(`${name} did not stop in 10s, killing it`);
      signalGroup(pid, 'SIGKILL');
    }
  }
  rmSync(pidFile, { force: true });
}

/**
 * Waits until `check` holds, polling every half second. With a daemon's pid
 * file, stops waiting as soon as that daemon has exited.
 */
export async function waitFor(what: string, timeoutS: number, check: () => Promise<boolean>, daemon?: { name: string; pidFile: string }): Promise<void> {
  const start = Date.now();
  for (;;) {
    if (await check().catch(() => false)) break;
    if (daemon !== undefined && !pidAlive(daemon.pidFile)) throw new ClusterError(`${daemon.name} exited while waiting for ${what}`);
    if (Date.now() - start >= timeoutS * 1000) throw new ClusterError(`timed out after ${timeoutS}s waiting for ${what}`);
    await sleep(500);
  }
  log(`${what}: ready after ${Math.floor((Date.now() - start) / 1000)}s`);
}

/** `count` distinct free TCP ports on 127.0.0.1 (held together while they are chosen, so none repeats). */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  const ports: number[] = [];
  try {
    while (ports.length < count) {
      const s = createServer();
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(0, '127.0.0.1', () => resolve());
      });
      servers.push(s);
      ports.push((s.address() as { port: number }).port);
    }
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  }
  return ports;
}

export function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** GET over HTTPS, trusting only `caFile`: the status and body, or undefined when nothing answered within 2 s. */
export function httpsGet(url: string, caFile: string): Promise<{ status: number; body: string } | undefined> {
  return new Promise((resolve) => {
    let ca: Buffer;
    try {
      ca = readFileSync(caFile);
    } catch {
      resolve(undefined);
      return;
    }
    // No keep-alive agent: a probe leaves no socket behind to hold the process open.
    const req = get(url, { ca, timeout: 2000, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(undefined));
  });
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program to completion; stderr passes through when `inheritStderr` is set (a build's progress). */
export function run(command: string, args: readonly string[], opts: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string; inheritStderr?: boolean } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['pipe', 'pipe', opts.inheritStderr === true ? 'inherit' : 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (c: string) => { stdout += c; });
    child.stderr?.setEncoding('utf8').on('data', (c: string) => { stderr += c; });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal !== null ? 128 : 1), stdout, stderr }));
    // The program may exit before reading its input: a closed pipe is not an error.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(opts.input ?? '');
  });
}

/**
 * An exclusive lock between commands on one state folder (several test runs
 * may share it): a file created exclusively, holding the owner's pid. A lock
 * whose owner is no longer alive is taken over, so a killed command never
 * blocks the next one. So is a file without a pid that has been so for more
 * than EMPTY_LOCK_STALE_MS: a writer creates and writes it in one call, so
 * only a crash or an older, flock-based harness leaves one empty.
 */
const EMPTY_LOCK_STALE_MS = 5_000;

function emptyForLong(lockFile: string): boolean {
  try {
    return Date.now() - statSync(lockFile).mtimeMs > EMPTY_LOCK_STALE_MS;
  } catch {
    return false;
  }
}

export async function acquireLock(lockFile: string, timeoutS: number): Promise<() => void> {
  const start = Date.now();
  for (;;) {
    try {
      writeFileSync(lockFile, `${process.pid}\n`, { flag: 'wx' });
      return () => {
        if (pidOf(lockFile) === process.pid) rmSync(lockFile, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = pidOf(lockFile);
    // A lock file without a pid is being written right now, unless it has been empty for long; one whose owner died is stale.
    if (owner !== undefined && !alive(owner)) {
      // Read again just before removing, so a lock another command has just taken over stays.
      if (pidOf(lockFile) === owner) rmSync(lockFile, { force: true });
      continue;
    }
    if (owner === undefined && emptyForLong(lockFile)) {
      if (pidOf(lockFile) === undefined) rmSync(lockFile, { force: true });
      continue;
    }
    if (Date.now() - start >= timeoutS * 1000) throw new ClusterError(`another cluster command has held ${lockFile} for ${timeoutS}s`);
    await sleep(200);
  }
}
