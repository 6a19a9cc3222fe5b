/**
 * Shared by the robustness suites: TLS material, a real HTTPS server built
 * from the app with fixed namespace ownership, clients with bounded waits
 * (raw TLS for what a well-behaved client cannot send), and the check that
 * an answer is a valid AdmissionReview or a 4xx.
 */
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import type { FastifyInstance } from 'fastify';
import { issueCA, issueServing } from '../../src/certs/issue.js';
import { configFromObject } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { StaticNamespaces } from '../../src/kube/namespace-view.js';
import { buildApp } from '../../src/server/app.js';
import { buildMetrics, type Metrics } from '../../src/telemetry/metrics.js';

export const TENANT = 'tenant-guard.io/tenant';

export interface Tls {
  ca: string;
  key: string;
  cert: string;
}

let cached: Tls | undefined;
/** One CA and serving certificate (localhost, 127.0.0.1) per test file. */
export function tlsMaterial(): Tls {
  if (cached === undefined) {
    const ca = issueCA('tenant-guard-test-ca', 2);
    const serving = issueServing(ca, { dnsNames: ['localhost'], ips: ['127.0.0.1'], days: 2 });
    cached = { ca: ca.certPem, key: serving.keyPem, cert: serving.certPem };
  }
  return cached;
}

export const CONFIG_DOC = {
  tenants: [{ name: 'acme', groups: ['acme-devs'], users: ['alice'] }, { name: 'globex', groups: ['globex-devs'] }],
  protectedCIDRs: ['10.244.0.0/16', '10.96.0.0/12'],
};

export function makeConfig(server: Record<string, unknown> = {}): Config {
  const r = configFromObject({ ...CONFIG_DOC, server: { host: '127.0.0.1', port: 8443, ...server } });
  if (!r.ok) throw new Error(`test config invalid: ${JSON.stringify(r.errors)}`);
  return r.config;
}

const NAMESPACES = [['acme-web', 'acme'], ['acme-db', 'acme'], ['globex-app', 'globex'], ['monitoring', 'platform']]
  .map(([name, tenant]) => ({ metadata: { name, labels: { [TENANT]: tenant! } } }));

export interface TestServer {
  app: FastifyInstance;
  port: number;
  metrics: Metrics;
  close(): Promise<void>;
}

/** The real app over HTTPS on 127.0.0.1, ownership from a fixed list. */
export async function startServer(server: Record<string, unknown> = {}): Promise<TestServer> {
  const m = tlsMaterial();
  const metrics = buildMetrics({ defaults: false });
  const app = buildApp({ config: makeConfig(server), namespaces: new StaticNamespaces(NAMESPACES), metrics, https: { key: m.key, cert: m.cert } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return { app, port, metrics, close: () => app.close() };
}

// --- bodies -------------------------------------------------------------------

const alice = { username: 'alice', groups: ['acme-devs', 'system:authenticated'] };

export function reviewDoc(uid: string, kind: { group: string; version: string; kind: string }, object: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const md = (typeof object === 'object' && object !== null ? (object as { metadata?: { name?: unknown; namespace?: unknown } }).metadata : undefined) ?? {};
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind,
      resource: { group: kind.group, version: kind.version, resource: `${kind.kind.toLowerCase()}s` },
      ...(typeof md.name === 'string' ? { name: md.name } : {}),
      ...(typeof md.namespace === 'string' ? { namespace: md.namespace } : {}),
      operation: 'CREATE',
      userInfo: alice,
      object,
      ...extra,
    },
  };
}

export const NP_KIND = { group: 'networking.k8s.io', version: 'v1', kind: 'NetworkPolicy' };
export const CNP_KIND = { group: 'cilium.io', version: 'v2', kind: 'CiliumNetworkPolicy' };
export const NS_KIND = { group: '', version: 'v1', kind: 'Namespace' };

export const allowedPolicy = (uid: string) => reviewDoc(uid, NP_KIND, {
  apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'web', namespace: 'acme-web' },
  spec: { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { [TENANT]: 'acme' } } }] }] },
});
export const deniedPolicy = (uid: string) => reviewDoc(uid, NP_KIND, {
  apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'open', namespace: 'acme-web' },
  spec: { podSelector: {}, ingress: [{ from: [{ namespaceSelector: {} }] }, { from: [{ namespaceSelector: { matchLabels: { [TENANT]: 'globex' } } }] }] },
});
export const namespaceCreate = (uid: string, name = 'acme-new') => reviewDoc(uid, NS_KIND, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

// --- clients ------------------------------------------------------------------

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** POST over HTTPS; rejects when no complete answer arrives within timeoutMs. */
export function post(port: number, path: string, body: string | Buffer, opts: { headers?: Record<string, string | number>; agent?: https.Agent | false; timeoutMs?: number; method?: string; splitMs?: number } = {}): Promise<Answer> {
  const { ca } = tlsMaterial();
  return new Promise((resolve, reject) => {
    let settled = false;
    const done = (f: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      f();
    };
    const req = https.request({
      host: '127.0.0.1', port, path, method: opts.method ?? 'POST', ca, servername: 'localhost', agent: opts.agent ?? false,
      headers: { 'content-type': 'application/json', ...opts.headers },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(() => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') })));
      res.on('error', (err) => done(() => reject(err)));
    });
    const timer = setTimeout(() => {
      done(() => reject(new Error(`no answer to ${path} within ${opts.timeoutMs ?? 10_000} ms`)));
      req.destroy();
    }, opts.timeoutMs ?? 10_000);
    // An early answer (413, 415) may close the socket while the body is still going out.
    req.on('error', (err) => setTimeout(() => done(() => reject(err)), 50));
    if (opts.splitMs === undefined) {
      req.end(body);
    } else {
      // Half the body now, the rest a little later: the request stays in flight meanwhile (a slow network, a large object).
      const b = Buffer.from(body);
      req.setHeader('content-length', b.length);
      req.write(b.subarray(0, b.length >> 1));
      setTimeout(() => req.end(b.subarray(b.length >> 1)), opts.splitMs);
    }
  });
}

export interface Held {
  /** Send the rest of the body; resolves with the answer. */
  finish(): Promise<Answer>;
  answered(): boolean;
  /** Give up: close the connection. */
  abort(): void;
}

/** A request whose headers and first half of the body are sent, the rest held back: it is in flight until finish(). */
export function hold(port: number, uid: string, path = '/validate', doc: unknown = allowedPolicy(uid), agent: https.Agent | false = false): Held {
  const body = Buffer.from(JSON.stringify(doc));
  let answer: Answer | undefined;
  let failure: Error | undefined;
  let settle: (() => void) | undefined;
  const req = https.request({
    host: '127.0.0.1', port, path, method: 'POST', ca: tlsMaterial().ca, servername: 'localhost', agent,
    headers: { 'content-type': 'application/json', 'content-length': body.length },
  }, (res) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => {
      answer = { status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') };
      settle?.();
    });
  });
  req.on('error', (err) => {
    failure = err;
    settle?.();
  });
  req.write(body.subarray(0, body.length >> 1));
  return {
    answered: () => answer !== undefined || failure !== undefined,
    abort: () => req.destroy(),
    finish: () => new Promise<Answer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer for ${uid} within 10 s`)), 10_000);
      settle = () => {
        clearTimeout(timer);
        if (answer !== undefined) resolve(answer);
        else reject(failure ?? new Error('no answer'));
      };
      if (answer !== undefined || failure !== undefined) settle();
      else req.end(body.subarray(body.length >> 1));
    }),
  };
}

export interface RawResult {
  /** Status of the first response, when one arrived. */
  status?: number;
  text: string;
  /** The server closed the connection. */
  closed: boolean;
}

/** A raw TLS connection: write the chunks (with a pause between them), then read until the server closes, a full answer arrived, or timeoutMs. */
export function rawExchange(port: number, chunks: (string | Buffer)[], opts: { pauseMs?: number; timeoutMs?: number } = {}): Promise<RawResult> {
  const { ca } = tlsMaterial();
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost' });
    let data = Buffer.alloc(0);
    let closed = false;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      const text = data.toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      socket.destroy();
      resolve({ ...(m === null ? {} : { status: Number(m[1]) }), text, closed });
    };
    const complete = (): boolean => {
      const text = data.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end === -1) return false;
      const cl = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end));
      return cl !== null && data.length >= end + 4 + Number(cl[1]);
    };
    socket.on('data', (c: Buffer) => {
      data = Buffer.concat([data, c]);
      if (complete()) finish();
    });
    socket.on('close', () => {
      closed = true;
      finish();
    });
    socket.on('error', () => undefined);
    const timer = setTimeout(finish, opts.timeoutMs ?? 10_000);
    socket.once('secureConnect', () => {
      void (async () => {
        for (const [i, c] of chunks.entries()) {
          if (finished || socket.destroyed) return;
          if (i > 0 && opts.pauseMs !== undefined) await new Promise((r) => setTimeout(r, opts.pauseMs));
          socket.write(c);
        }
      })();
    });
  });
}

/** Is anything listening on the port? (Plain TCP connect.) */
export function tcpConnects(port: number, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    const t = setTimeout(() => {
      s.destroy();
      resolve(false);
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(t);
      s.destroy();
      resolve(true);
    });
    s.once('error', () => {
      clearTimeout(t);
      resolve(false);
    });
  });
}

// --- what a correct answer is --------------------------------------------------

export interface Expect {
  uid?: string;
  allowed?: boolean;
  patch?: boolean;
}

/** A problem with an answer that should be an AdmissionReview (HTTP 200), or undefined. In-band code 500 means the decision itself failed. */
export function reviewProblem(a: { status: number; text: string }, want: Expect = {}): string | undefined {
  if (a.status !== 200) return `HTTP ${a.status}: ${a.text.slice(0, 200)}`;
  let doc: { apiVersion?: unknown; kind?: unknown; response?: { uid?: unknown; allowed?: unknown; patch?: unknown; patchType?: unknown; status?: { code?: unknown; message?: unknown } } };
  try {
    doc = JSON.parse(a.text) as typeof doc;
  } catch {
    return `not JSON: ${a.text.slice(0, 200)}`;
  }
  const r = doc.response;
  if (doc.apiVersion !== 'admission.k8s.io/v1' || doc.kind !== 'AdmissionReview' || r === undefined) return `not an AdmissionReview: ${a.text.slice(0, 200)}`;
  if (typeof r.uid !== 'string' || typeof r.allowed !== 'boolean') return `response without uid/allowed: ${a.text.slice(0, 200)}`;
  if (want.uid !== undefined && r.uid !== want.uid) return `uid ${String(r.uid)}, expected ${want.uid}`;
  if (r.status?.code === 500) return `in-band internal error: ${String(r.status.message)}`;
  if (!r.allowed && typeof r.status?.message !== 'string') return 'refusal without a message';
  if (want.allowed !== undefined && r.allowed !== want.allowed) return `allowed=${String(r.allowed)}, expected ${String(want.allowed)}: ${typeof r.status?.message === 'string' ? r.status.message : ''}`;
  if (want.patch === true) {
    if (r.patchType !== 'JSONPatch' || typeof r.patch !== 'string') return 'expected a JSONPatch';
    const ops = JSON.parse(Buffer.from(r.patch, 'base64').toString('utf8')) as { path: string; value: unknown }[];
    if (!ops.some((o) => (o.path === '/metadata/labels' && (o.value as Record<string, unknown>)[TENANT] === 'acme') || (o.path.endsWith('tenant-guard.io~1tenant') && o.value === 'acme'))) return `patch does not set the owner: ${JSON.stringify(ops)}`;
  }
  return undefined;
}

/** Every answer to bad or odd input: a valid AdmissionReview, or a 4xx with a JSON error. Never a 5xx. */
export function answerProblem(a: { status: number; text: string }, want: Expect = {}): string | undefined {
  if (a.status === 200) return reviewProblem(a, want);
  if (a.status >= 400 && a.status < 500) return undefined;
  return `HTTP ${a.status}: ${a.text.slice(0, 200)}`;
}
