/**
 * The built CLI as a real process (dist/cli/main.js): exit codes through
 * process.exitCode, the same verdict whatever name the file is linked as (a
 * kubectl plugin), one line and exit 2 on an unsupported Node, `serve`
 * refusing to start without a certificate, and a `serve --dev` lifecycle:
 * listening on 127.0.0.1, a review over HTTPS as `curl -d @file` sends it,
 * then SIGTERM and a clean exit.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { example, repo, tempDir } from './cli-support.js';

const cli = join(repo, 'dist', 'cli', 'main.js');
const tmp = tempDir();
const home = join(tmp.dir, 'home');
const children: ChildProcess[] = [];

beforeAll(() => {
  const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
  const build = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: repo, encoding: 'utf8', timeout: 180_000 });
  expect(build.status, `${build.stdout}${build.stderr}`).toBe(0);
  expect(existsSync(cli)).toBe(true);
  // As `npm run build` does: the entry is an executable (npm's bin link, the kubectl plugin).
  chmodSync(cli, 0o755);
  mkdirSync(home, { recursive: true });
}, 200_000);

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
afterAll(() => tmp.cleanup());

/** No real cluster, no real kubeconfig: HOME and KUBECONFIG point at an empty temporary directory. */
function env(): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, HOME: home, KUBECONFIG: join(home, 'kubeconfig') };
  delete e.KUBERNETES_SERVICE_HOST;
  delete e.KUBERNETES_SERVICE_PORT;
  delete e.LOG_LEVEL;
  return e;
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function start(args: string[], cwd: string, command: string[] = [process.execPath, cli]): { child: ChildProcess; exited: Promise<Exit>; stdout: () => string } {
  const [exe, ...pre] = command;
  const child = spawn(exe!, [...pre, ...args], { cwd, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  const exited = new Promise<Exit>((resolve) => child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, exited, stdout: () => stdout };
}

/** Fails the test if the process has not exited by itself in time. */
async function exitWithin<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} did not exit within ${ms} ms`)), ms); });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe('check as a process', () => {
  it('a cross-tenant policy exits 1 and names the field', async () => {
    const r = await exitWithin(start(['check', '-f', example('cross-tenant.yaml'), '--namespace', 'acme-web', '--tenant', 'acme'], repo).exited, 20_000, 'check');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('  - spec.ingress[0].from[0].namespaceSelector: Forbidden: selects namespaces of tenant globex (fix: ');
  });

  it('-o json on stdout, exit 0 when allowed', async () => {
    const r = await exitWithin(start(['check', '-f', example('same-tenant.yaml'), '--namespace', 'acme-web', '--tenant', 'acme', '-o', 'json'], repo).exited, 20_000, 'check');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([{ file: example('same-tenant.yaml'), position: '1', kind: 'NetworkPolicy', namespace: 'acme-web', name: 'allow-from-acme-and-platform', allowed: true, violations: [], relaxed: [], warnings: [], patch: [] }]);
  });

  it('bad input exits 2 with the message on stderr', async () => {
    const r = await exitWithin(start(['check', '-f', join(tmp.dir, 'missing.yaml')], repo).exited, 20_000, 'check');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`tenant-guard check: cannot read ${join(tmp.dir, 'missing.yaml')}: ENOENT`);
  });
});

describe('the executable under other names', () => {
  const args = ['check', '-f', example('cross-tenant.yaml'), '-n', 'acme-web', '--tenant', 'acme'];

  it('linked as the kubectl plugin kubectl-tenant_guard, it refuses exactly as the original', async () => {
    const bin = join(tmp.dir, 'bin');
    mkdirSync(bin, { recursive: true });
    const plugin = join(bin, 'kubectl-tenant_guard');
    symlinkSync(cli, plugin);
    const original = await exitWithin(start(args, repo).exited, 20_000, 'check');
    // Run the link itself, as kubectl and a shell do: its #! line picks node from PATH.
    const linked = await exitWithin(start(args, tmp.dir, [plugin]).exited, 20_000, 'linked check');
    expect(original.code).toBe(1);
    expect(linked.code).toBe(1);
    expect(linked.stdout).toBe(original.stdout);
    expect(linked.stdout).toContain('DENIED  NetworkPolicy acme-web/allow-from-globex');
    const help = await exitWithin(start(['check', '--help'], tmp.dir, [plugin]).exited, 20_000, 'plugin help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: kubectl tenant-guard check [options]');
  });

  it('on an older Node (process.versions faked before the entry runs): one line, exit 2, even for offline check', async () => {
    const fake = 'data:text/javascript,Object.defineProperty(process.versions,"node",{value:"22.9.0"})';
    const r = await exitWithin(start(args, repo, [process.execPath, '--import', fake, cli]).exited, 20_000, 'old node');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('tenant-guard needs Node 24 or newer; this is Node 22.9.0 (run it with a newer node, or through npx/npm scripts, which use the project\'s pinned Node 24)\n');
  });

  // A real older Node, where the machine has one (Debian's nodejs package): the entry must parse and run there.
  const systemNode = ['/usr/bin/node', '/usr/local/bin/node'].find((p) => existsSync(p) && Number(spawnSync(p, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).stdout.trim()) < 24);
  it.skipIf(systemNode === undefined)(`on a real older Node (${systemNode ?? 'none installed: the faked version above covers the check'}): one line, exit 2`, async () => {
    const r = await exitWithin(start(args, repo, [systemNode!, cli]).exited, 20_000, 'system node');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^tenant-guard needs Node 24 or newer; this is Node \d+\.\d+\.\d+ \(.*\)\n$/);
  });
});

describe('serve as a process', () => {
  it('without certificate files and without --dev: exit 2 by itself, naming the missing file', async () => {
    const cwd = join(tmp.dir, 'no-certs');
    mkdirSync(cwd);
    const r = await exitWithin(start(['serve', '--config', example('config.yaml'), '--port', '0'], cwd).exited, 15_000, 'serve without certificates');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('tenant-guard serve: no usable serving certificate: cannot read certs/tls.crt: ENOENT');
    expect(r.stderr).toContain('--dev');
  });

  it('--dev: listens on 127.0.0.1, decides a review sent like `curl -d @examples/review.json`, and exits 0 on SIGTERM', async () => {
    const cwd = join(tmp.dir, 'dev');
    mkdirSync(cwd);
    // No --host: --dev alone binds 127.0.0.1.
    const proc = start(['serve', '--dev', '--config', example('config.yaml'), '--port', '0'], cwd);

    // Wait for the "listening" log line (pino JSON) and take the bound port from it.
    const port = await exitWithin(new Promise<number>((resolve, reject) => {
      const scan = () => {
        for (const line of proc.stdout().split('\n')) {
          if (!line.includes('"tenant-guard webhook listening"')) continue;
          const entry = JSON.parse(line) as { port: number; host: string };
          expect(entry.host).toBe('127.0.0.1');
          resolve(entry.port);
          return;
        }
      };
      proc.child.stdout!.on('data', scan);
      void proc.exited.then((r) => reject(new Error(`serve exited early (${r.code}): ${r.stderr}`)));
    }), 20_000, 'listening line');
    expect(port).toBeGreaterThan(0);

    // --dev writes its CA next to the (missing) certificate files, relative to the working directory.
    const caPem = readFileSync(join(cwd, 'certs', 'dev-ca.crt'), 'utf8');
    const review = readFileSync(example('review.json'));
    // Like the API server, keep the connection open: shutdown must not wait for idle keep-alive sockets.
    const agent = new https.Agent({ keepAlive: true, ca: caPem });
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = https.request({
        host: '127.0.0.1', port, path: '/validate', method: 'POST', servername: 'localhost', agent,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': review.length },
      }, (r) => {
        let body = '';
        r.setEncoding('utf8').on('data', (d: string) => { body += d; }).on('end', () => resolve({ status: r.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end(review);
    });
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body) as { apiVersion: string; kind: string; response: { uid: string; allowed: boolean; status: { code: number; message: string } } };
    expect(body.apiVersion).toBe('admission.k8s.io/v1');
    expect(body.kind).toBe('AdmissionReview');
    expect(body.response.uid).toBe('5b8a7c3e-0d3f-4c39-9a57-8e1f3d2b6a01');
    expect(body.response.allowed).toBe(false);
    expect(body.response.status.message.split('\n').slice(0, 2)).toEqual([
      'tenant-guard refused Namespace acme-web: 1 violation',
      '- metadata.labels["tenant-guard.io/tenant"]: Forbidden: "globex" is not a tenant you belong to (fix: remove the label; it will be set to "acme")',
    ]);

    expect(agent.freeSockets).not.toEqual({});

    proc.child.kill('SIGTERM');
    const r = await exitWithin(proc.exited, 5_000, 'serve after SIGTERM').finally(() => agent.destroy());
    expect(r.signal).toBeNull();
    expect(r.code).toBe(0);
    const messages = r.stdout.split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(messages).toContain('admission decision');
    expect(messages.slice(-2)).toEqual(['shutting down: finishing in-flight requests', 'stopped']);
    expect(r.stderr).toBe('');
  });
});
