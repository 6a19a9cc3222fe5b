/**
 * Shutdown and rolling restarts, with the built CLI as child processes
 * (`node dist/cli/main.js serve --config … --cert … --key … --port N`; run
 * `npm run build` first). No cluster: HOME and KUBECONFIG point at an empty
 * temporary directory, so only Namespace reviews are decided, which need none.
 *
 *   - SIGTERM stops accepting connections, finishes the request in flight
 *     (answered with Connection: close) and exits 0 within the grace period;
 *     a request that never completes cannot hold the process past it.
 *   - Two processes restarted in turn (SIGTERM, start again) behind a client
 *     that retries like the API server: no request is lost, none gets a 5xx.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { get as httpGet } from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_DOC, hold, namespaceCreate, post, reviewProblem, tcpConnects, tlsMaterial, type Answer } from './support.js';

const MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

let dir: string;
let home: string;
let certFile: string;
let keyFile: string;

beforeAll(async () => {
  if (!existsSync(MAIN)) throw new Error('dist/cli/main.js is missing: run `npm run build` before this suite');
  dir = await mkdtemp(join(tmpdir(), 'tenant-guard-shutdown-'));
  home = join(dir, 'home');
  await mkdir(home);
  const m = tlsMaterial();
  certFile = join(dir, 'tls.crt');
  keyFile = join(dir, 'tls.key');
  await writeFile(certFile, m.cert);
  await writeFile(keyFile, m.key, { mode: 0o600 });
});

afterAll(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

interface Server {
  port: number;
  /** The plain-HTTP /metrics port (metrics are not on the webhook's). */
  metricsPort: number;
  proc: ChildProcess;
  /** Log messages (pino `msg`) seen so far. */
  messages: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitFor(msg: string, timeoutMs?: number): Promise<void>;
}

const running = new Set<ChildProcess>();
afterEach(() => {
  // A failed test must not leave a server behind.
  for (const p of running) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  running.clear();
});

async function startServe(port: number, graceMs: number): Promise<Server> {
  const config = join(dir, `config-${port}-${graceMs}.yaml`);
  await writeFile(config, JSON.stringify({ ...CONFIG_DOC, server: { host: '127.0.0.1', port: 1, shutdownGraceMs: graceMs }, controller: { host: '127.0.0.1' } }));
  const metricsPort = await freePort();
  const proc = spawn(process.execPath, [MAIN, 'serve', '--config', config, '--cert', certFile, '--key', keyFile, '--port', String(port), '--metrics-port', String(metricsPort)], {
    env: { PATH: process.env.PATH ?? '', HOME: home, KUBECONFIG: join(home, 'no-kubeconfig') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(proc);
  const messages: string[] = [];
  const waiters: { msg: string; resolve: () => void }[] = [];
  let stderr = '';
  let buffered = '';
  proc.stdout.setEncoding('utf8');
  proc.stdout.on('data', (chunk: string) => {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) !== -1) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      try {
        const msg = (JSON.parse(line) as { msg?: unknown }).msg;
        if (typeof msg === 'string') {
          messages.push(msg);
          for (const w of waiters.filter((x) => msg.includes(x.msg))) w.resolve();
        }
      } catch {
        // not a log line
      }
    }
  });
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (c: string) => { stderr += c; });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  const waitFor = (msg: string, timeoutMs = 20_000) => new Promise<void>((resolve, reject) => {
    if (messages.some((m) => m.includes(msg))) return resolve();
    const timer = setTimeout(() => reject(new Error(`server on ${port} did not log "${msg}" within ${timeoutMs} ms; stderr: ${stderr.slice(0, 500)}`)), timeoutMs);
    waiters.push({ msg, resolve: () => { clearTimeout(timer); resolve(); } });
    void exited.then(({ code }) => {
      clearTimeout(timer);
      if (!messages.some((m) => m.includes(msg))) reject(new Error(`server on ${port} exited (${code}) before logging "${msg}"; stderr: ${stderr.slice(0, 500)}`));
    });
  });
  const server = { port, metricsPort, proc, messages, exited, waitFor };
  await waitFor('tenant-guard webhook listening');
  return server;
}

async function exitWithin(s: Server, ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`server on ${s.port} still running ${ms} ms after SIGTERM`)), ms); });
  try {
    return await Promise.race([s.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function inFlight(metricsPort: number): Promise<number> {
  const text = await new Promise<string>((resolve, reject) => {
    const req = httpGet({ host: '127.0.0.1', port: metricsPort, path: '/metrics', timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
  const m = /^tenant_guard_admission_in_flight (\d+)/m.exec(text);
  return m === null ? 0 : Number(m[1]);
}

async function until(cond: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('shutdown on SIGTERM (child process of the built CLI)', () => {
  it('stops accepting, finishes the request in flight, then exits 0 within the grace period', async () => {
    const s = await startServe(await freePort(), 10_000);
    // An idle keep-alive connection, as the API server keeps them.
    const agent = new https.Agent({ keepAlive: true, ca: tlsMaterial().ca, servername: 'localhost' });
    expect(reviewProblem(await post(s.port, '/mutate', JSON.stringify(namespaceCreate('before')), { agent, timeoutMs: 10_000 }), { uid: 'before', allowed: true, patch: true })).toBeUndefined();

    // A request in flight on a keep-alive connection: headers and half its body sent.
    const held = hold(s.port, 'in-flight', '/mutate', namespaceCreate('in-flight'), agent);
    await until(async () => (await inFlight(s.metricsPort)) === 1, 'the request to be in flight');

    s.proc.kill('SIGTERM');
    await s.waitFor('shutting down');
    await until(async () => !(await tcpConnects(s.port)), 'the listener to close', 5_000);
    expect(held.answered()).toBe(false);

    const a = await held.finish();
    expect(reviewProblem(a, { uid: 'in-flight', allowed: true, patch: true })).toBeUndefined();
    // The answer ends its connection: a kept-alive socket would hold the process open until keepAliveTimeout.
    expect(a.headers.connection).toBe('close');
    // The agent keeps whatever the server leaves open until the process is gone.
    const { code, signal } = await exitWithin(s, 15_000);
    agent.destroy();
    // Exit 1 would mean the grace period ran out (the server logs so and exits).
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(s.messages).toContain('stopped');
  }, 60_000);

  it('a request that never completes cannot hold the process past the grace period', async () => {
    const s = await startServe(await freePort(), 1_500);
    const held = hold(s.port, 'stuck', '/mutate', namespaceCreate('stuck'));
    await until(async () => (await inFlight(s.metricsPort)) === 1, 'the request to be in flight');
    s.proc.kill('SIGTERM');
    const { code } = await exitWithin(s, 15_000);
    expect(code).toBe(1);
    expect(s.messages.some((m) => m.includes('did not finish within the grace period'))).toBe(true);
    held.abort();
  }, 60_000);
});

describe('rolling restart of two server processes', () => {
  it('loses no request and answers none with a 5xx while each process is restarted in turn', async () => {
    const ports = [await freePort(), await freePort()] as const;
    const servers: Server[] = [await startServe(ports[0], 5_000), await startServe(ports[1], 5_000)];
    const ca = tlsMaterial().ca;
    // One keep-alive pool per endpoint, as the API server's transport keeps them.
    const agents = ports.map(() => new https.Agent({ keepAlive: true, maxSockets: 4, ca, servername: 'localhost' }));

    const stats = { sent: 0, answered: 0, retries: 0, connectionErrors: 0, shed: 0, fiveXX: [] as string[], wrong: [] as string[], lost: [] as string[], byEndpoint: [0, 0] };
    /** Like the API server: on a connection error or a 429, try again after a short delay against the other endpoint. */
    const call = async (i: number): Promise<void> => {
      const uid = `roll-${i}`;
      const body = JSON.stringify(namespaceCreate(uid, `acme-roll-${i}`));
      let target = i % 2;
      for (let attempt = 0; attempt < 60; attempt++) {
        if (attempt > 0) {
          stats.retries++;
          target = 1 - target;
          await new Promise((r) => setTimeout(r, 20 + 10 * attempt));
        }
        let a: Answer;
        try {
          a = await post(ports[target]!, '/mutate', body, { agent: agents[target]!, timeoutMs: 10_000, splitMs: 15 });
        } catch {
          stats.connectionErrors++;
          continue;
        }
        if (a.status === 429) {
          stats.shed++;
          continue;
        }
        if (a.status >= 500) {
          stats.fiveXX.push(`${uid} on :${ports[target]}: HTTP ${a.status} ${a.text.slice(0, 120)}`);
          continue;
        }
        const problem = reviewProblem(a, { uid, allowed: true, patch: true });
        if (problem !== undefined) stats.wrong.push(`${uid}: ${problem}`);
        stats.answered++;
        stats.byEndpoint[target]!++;
        return;
      }
      stats.lost.push(uid);
    };

    // A steady stream: one request every 5 ms, whatever happens to the servers.
    let streaming = true;
    const inFlightCalls: Promise<void>[] = [];
    const stream = (async () => {
      for (let i = 0; streaming; i++) {
        stats.sent++;
        inFlightCalls.push(call(i));
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const served = () => [...stats.byEndpoint];

    await pause(500);
    for (const k of [0, 1]) {
      servers[k]!.proc.kill('SIGTERM');
      expect(await exitWithin(servers[k]!, 15_000)).toEqual({ code: 0, signal: null });
      servers[k] = await startServe(ports[k]!, 5_000);
      const started = served();
      await pause(700);
      // The restarted process takes its share again.
      expect(served()[k]!).toBeGreaterThan(started[k]!);
    }
    streaming = false;
    await stream;
    await Promise.all(inFlightCalls);
    for (const s of servers) s.proc.kill('SIGTERM');
    await Promise.all(servers.map((s) => exitWithin(s, 15_000)));
    agents.forEach((a) => a.destroy());

    expect(stats.lost).toEqual([]);
    expect(stats.fiveXX).toEqual([]);
    expect(stats.wrong).toEqual([]);
    expect(stats.answered).toBe(stats.sent);
    expect(stats.sent).toBeGreaterThan(200);
    expect(stats.byEndpoint[0]).toBeGreaterThan(0);
    expect(stats.byEndpoint[1]).toBeGreaterThan(0);
  }, 90_000);
});
