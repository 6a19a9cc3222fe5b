/**
 * HTTP fuzzing against the real HTTPS listener on 127.0.0.1: random and
 * truncated JSON, random envelopes and bytes, wrong content types, bodies
 * over the limit, malformed HTTP, slow clients, many connections at once.
 * Every answer is a valid AdmissionReview or a 4xx (never a 5xx, never an
 * in-band internal error), no wait is unbounded, and a canary client keeps
 * getting correct decisions the whole time.
 *
 * FUZZ_RUNS sets the runs per generated case (default 200); FC_SEED replays.
 */
import https from 'node:https';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  allowedPolicy, answerProblem, CNP_KIND, deniedPolicy, namespaceCreate, NP_KIND, NS_KIND, post, rawExchange, reviewProblem,
  startServer, TENANT, tlsMaterial, type Answer, type TestServer,
} from './support.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 200);
const SEED = process.env.FC_SEED === undefined || process.env.FC_SEED === '' ? undefined : Number(process.env.FC_SEED);
const params = { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) };
const BODY_LIMIT = 64 * 1024;

let server: TestServer;
let port: number;
/** One keep-alive connection reused across cases, as the API server does. */
let agent: https.Agent;

// --- the canary: correct decisions all along ---------------------------------------

interface CanaryResult { ok: number; problems: string[] }

function startCanary(): { stop: () => Promise<CanaryResult> } {
  const canaryAgent = new https.Agent({ keepAlive: true, maxSockets: 2, ca: tlsMaterial().ca, servername: 'localhost' });
  const result: CanaryResult = { ok: 0, problems: [] };
  let running = true;
  let n = 0;
  const loop = (async () => {
    while (running) {
      const i = n++;
      const uid = `canary-${i}`;
      const [path, doc, want] = i % 3 === 0 ? ['/validate', allowedPolicy(uid), { uid, allowed: true }] as const
        : i % 3 === 1 ? ['/validate', deniedPolicy(uid), { uid, allowed: false }] as const
          : ['/mutate', namespaceCreate(uid), { uid, allowed: true, patch: true }] as const;
      try {
        const a = await post(port, path, JSON.stringify(doc), { agent: canaryAgent, timeoutMs: 10_000 });
        const problem = reviewProblem(a, want);
        if (problem === undefined) result.ok++;
        else result.problems.push(`${uid}: ${problem}`);
      } catch (err) {
        result.problems.push(`${uid}: ${(err as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 15));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      canaryAgent.destroy();
      return result;
    },
  };
}

let canary: ReturnType<typeof startCanary>;

beforeAll(async () => {
  server = await startServer({ bodyLimitBytes: BODY_LIMIT });
  port = server.port;
  agent = new https.Agent({ keepAlive: true, maxSockets: 4, ca: tlsMaterial().ca, servername: 'localhost' });
  canary = startCanary();
});

afterAll(async () => {
  agent?.destroy();
  await server?.close();
});

const send = (path: string, body: string | Buffer, headers: Record<string, string | number> = {}): Promise<Answer> =>
  post(port, path, body, { agent, headers, timeoutMs: 10_000 });

function expectAnswer(a: { status: number; text: string }, want: Parameters<typeof answerProblem>[1] = {}, label = ''): void {
  expect(answerProblem(a, want), `${label} → ${a.status} ${a.text.slice(0, 300)}`).toBeUndefined();
}

// --- generators ------------------------------------------------------------------

const unicodeJson = fc.jsonValue({ maxDepth: 6, stringUnit: 'binary' });
const anyKind = fc.oneof(
  fc.constantFrom(NP_KIND, CNP_KIND, NS_KIND, { group: '', version: 'v1', kind: 'Pod' }, { group: 'cilium.io', version: 'v2', kind: 'CiliumClusterwideNetworkPolicy' }, { group: 'constructor', version: 'v1', kind: 'toString' }),
  fc.record({ group: fc.string(), version: fc.string(), kind: fc.string({ minLength: 1 }) }),
);
const { v: policyish } = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    unicodeJson,
    fc.constantFrom('In', 'NotIn', 'Exists', 'acme', 'globex', 'platform', '10.244.0.0/16', '0.0.0.0/0', 'cluster', 'acme-web', 'globex-app', ''),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom('spec', 'specs', 'ingress', 'egress', 'from', 'to', 'namespaceSelector', 'matchLabels', 'matchExpressions', 'ipBlock', 'cidr', 'except', 'fromEndpoints', 'toEndpoints', 'toEntities', 'toServices', 'k8sService', 'namespace', 'toPorts', 'metadata', 'labels', 'name', TENANT, 'k8s:io.kubernetes.pod.namespace', 'key', 'operator', 'values', '🦄'), tie('v'), { maxKeys: 5, noNullPrototype: true }),
  ),
}));
const envelope = fc.record({
  uid: fc.oneof(fc.uuid(), fc.string({ minLength: 1, maxLength: 128, unit: 'binary-ascii' })),
  kind: anyKind,
  operation: fc.oneof(fc.constantFrom('CREATE', 'UPDATE', 'DELETE', 'CONNECT'), fc.string()),
  namespace: fc.option(fc.constantFrom('acme-web', 'globex-app', 'ghost', ''), { nil: undefined }),
  name: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
  subResource: fc.option(fc.constantFrom('status', 'finalize', ''), { nil: undefined, freq: 6 }),
  userInfo: fc.oneof(
    fc.constantFrom({ username: 'alice', groups: ['acme-devs'] }, { username: 'bob', groups: ['tenant:globex'] }, { username: 'root', groups: ['system:masters'] }, {}),
    unicodeJson,
  ),
  object: policyish,
  oldObject: fc.option(policyish, { nil: undefined, freq: 3 }),
  dryRun: fc.option(fc.boolean(), { nil: undefined }),
});

// --- the cases ---------------------------------------------------------------------

describe('HTTP fuzzing against the HTTPS listener', () => {
  it(`random JSON values as the body: 400 or an AdmissionReview (${RUNS} runs per endpoint)`, async () => {
    await fc.assert(fc.asyncProperty(unicodeJson, fc.constantFrom('/validate', '/mutate'), async (value, path) => {
      const a = await send(path, JSON.stringify(value));
      expectAnswer(a, {}, JSON.stringify(value).slice(0, 200));
      if (typeof value !== 'object' || value === null || Array.isArray(value)) expect(a.status).toBe(400);
    }), params);
  }, 60_000);

  it(`random AdmissionReviews: an answer for the same uid, never an internal error (${RUNS} runs)`, async () => {
    let decided = 0;
    let runs = 0;
    await fc.assert(fc.asyncProperty(envelope, fc.constantFrom('/validate', '/mutate'), async (request, path) => {
      const body = JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request });
      const a = await send(path, body);
      expectAnswer(a, { uid: request.uid }, body.slice(0, 300));
      runs++;
      if (a.status === 200) decided++;
    }), params);
    // Most envelopes are well formed enough to reach the engine (the rest are 400s).
    expect(decided).toBeGreaterThan(runs / 4);
  }, 60_000);

  it(`random bytes and truncated JSON: a 4xx (${RUNS} runs each)`, async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 2048 }), async (bytes) => {
      const a = await send('/validate', Buffer.from(bytes));
      expectAnswer(a);
      // Random bytes that happen to be a JSON value are judged like one.
      if (a.status === 200) expect(JSON.parse(a.text)).toHaveProperty('response');
    }), params);
    const whole = [JSON.stringify(allowedPolicy('t-1')), JSON.stringify(deniedPolicy('t-2')), JSON.stringify(namespaceCreate('t-3'))];
    await fc.assert(fc.asyncProperty(fc.constantFrom(...whole), fc.nat(), async (text, cut) => {
      const a = await send('/validate', text.slice(0, cut % text.length));
      expectAnswer(a);
      expect(a.status).toBe(400);
    }), params);
  }, 60_000);

  it('wrong content types: 415 (or decided, for the JSON-compatible ones)', async () => {
    const body = JSON.stringify(allowedPolicy('ct-1'));
    const refused = ['text/plain', 'application/xml', 'text/html', 'multipart/form-data; boundary=x', 'application/octet-stream', 'image/png', 'application/jsonx', 'application/yaml'];
    for (const type of refused) {
      const a = await send('/validate', body, { 'content-type': type });
      expectAnswer(a, {}, type);
      expect(a.status, type).toBe(415);
    }
    // Accepted by design: JSON with parameters, any case, and curl's default form type (README).
    for (const type of ['application/json; charset=utf-8', 'Application/JSON', 'application/x-www-form-urlencoded']) {
      const a = await send('/validate', body, { 'content-type': type });
      expectAnswer(a, { uid: 'ct-1' }, type);
    }
    // No content type at all, and a malformed one, through a raw socket.
    for (const header of ['', 'Content-Type: \r\n', 'Content-Type: ;;;\r\n', 'Content-Type: application/json\u0001\r\n']) {
      const r = await rawExchange(port, [`POST /validate HTTP/1.1\r\nHost: localhost\r\n${header}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`]);
      expect(r.status, JSON.stringify(header)).toBeDefined();
      expectAnswer({ status: r.status!, text: r.text.slice(r.text.indexOf('\r\n\r\n') + 4) }, {}, JSON.stringify(header));
    }
  }, 60_000);

  it('bodies over the limit: 413, before the body is read', async () => {
    const doc = allowedPolicy('big-1') as { request: { object: { metadata: Record<string, unknown> } } };
    doc.request.object.metadata.annotations = { pad: 'x'.repeat(BODY_LIMIT) };
    // A fresh connection: the server may close this one after refusing an unread body.
    const a = await post(port, '/validate', JSON.stringify(doc), { timeoutMs: 10_000 });
    expectAnswer(a);
    expect(a.status).toBe(413);
    // A declared length far beyond the limit is refused without waiting for the bytes.
    const r = await rawExchange(port, ['POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000000000000\r\n\r\n{"a":'], { timeoutMs: 10_000 });
    expect(r.status).toBe(413);
    // Chunked, with no length up front: refused once the limit is passed.
    const chunk = `${(32 * 1024).toString(16)}\r\n${'['.repeat(32 * 1024)}\r\n`;
    const c = await rawExchange(port, ['POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n', chunk, chunk, chunk, chunk], { pauseMs: 10, timeoutMs: 10_000 });
    expect(c.status).toBe(413);
  }, 60_000);

  it('odd methods, paths and malformed HTTP: a 4xx or a closed connection, never a 5xx', async () => {
    const body = JSON.stringify(allowedPolicy('m-1'));
    for (const [method, path] of [['GET', '/validate'], ['PUT', '/validate'], ['DELETE', '/mutate'], ['PATCH', '/mutate'], ['POST', '/'], ['POST', '/validate/../mutate'], ['POST', '/validate?x=%ZZ'], ['POST', '/%00'], ['POST', `/${'a'.repeat(4000)}`], ['OPTIONS', '*'], ['GET', '/healthz'], ['HEAD', '/readyz'], ['GET', '/metrics']] as const) {
      const a = await post(port, path, body, { method, timeoutMs: 10_000 });
      expect(a.status < 500, `${method} ${path} → ${a.status}`).toBe(true);
    }
    const len = Buffer.byteLength(body);
    const malformed = [
      'HELLO\r\n\r\n',
      'POST /validate HTTP/1.1\r\n\r\n',
      `POST /validate HTTP/1.1\r\nHost: x\r\nContent-Length: ${len}\r\nTransfer-Encoding: chunked\r\n\r\n${body}`,
      `POST /validate HTTP/1.1\r\nHost: x\r\nContent-Length: ${len}\r\nContent-Length: ${len + 1}\r\n\r\n${body}`,
      'POST /validate HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
      'POST /validate HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
      `POST /validate HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      'POST /validate HTTP/1.1\r\nHost: x\r\nX-Nul: a\u0000b\r\n\r\n',
      'POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n Folded: header\r\n\r\n',
      'POST /validate HTTP/9.9\r\nHost: x\r\n\r\n',
      'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
      '\u0016\u0003\u0001\u0000\u00ff',
      `POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${len}\r\n\r\n${body}GARBAGE AFTER THE BODY\r\n\r\n`,
    ];
    for (const text of malformed) {
      const r = await rawExchange(port, [text], { timeoutMs: 10_000 });
      const label = JSON.stringify(text.slice(0, 80));
      expect(r.status === undefined ? r.closed : r.status < 500, `${label} → ${r.status ?? (r.closed ? 'closed' : 'no answer')}: ${r.text.slice(0, 200)}`).toBe(true);
    }
  }, 60_000);

  it('deeply nested and prototype-polluting JSON: decided or 400, never an internal error', async () => {
    let deep = '"x"';
    for (let i = 0; i < 20_000; i++) deep = i % 2 === 0 ? `[${deep}]` : `{"matchLabels":${deep}}`;
    const np = (spec: string) => `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"deep-1","kind":{"group":"networking.k8s.io","version":"v1","kind":"NetworkPolicy"},"namespace":"acme-web","name":"p","operation":"CREATE","userInfo":{"username":"alice","groups":["acme-devs"]},"object":{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"p","namespace":"acme-web"},"spec":${spec}}}}`;
    for (const spec of [
      `{"ingress":[{"from":[{"namespaceSelector":{"matchLabels":{"${TENANT}":${deep}}}}]}]}`,
      `{"ingress":[{"from":[{"namespaceSelector":{"matchExpressions":[{"key":"${TENANT}","operator":"In","values":[${deep}]}]}}]}]}`,
      `{"egress":[{"to":[{"ipBlock":{"cidr":${deep},"except":[${deep}]}}]}]}`,
      deep,
    ]) {
      const a = await send('/validate', np(spec));
      expectAnswer(a, { uid: 'deep-1' }, spec.slice(0, 120));
    }
    const ns = `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"deep-2","kind":{"group":"","version":"v1","kind":"Namespace"},"name":"acme-x","operation":"CREATE","userInfo":{"username":"alice","groups":["acme-devs"]},"object":{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"acme-x","labels":{"${TENANT}":${deep}}}}}}`;
    expectAnswer(await send('/mutate', ns), { uid: 'deep-2' });
    expectAnswer(await send('/validate', ns), { uid: 'deep-2' });
    expectAnswer(await send('/validate', deep), {}, 'a deep body');
    for (const poison of ['{"__proto__":{"allowed":true}}', '{"request":{"constructor":{"prototype":{"x":1}}}}', np('{"__proto__":{"ingress":[]}}')]) {
      const a = await send('/validate', poison);
      expectAnswer(a, {}, poison.slice(0, 80));
      expect(a.status).toBe(400);
    }
  }, 60_000);

  it('slow clients hold their own connection only: others are answered meanwhile, and the server closes a silent one', async () => {
    const good = JSON.stringify(allowedPolicy('slow-body'));
    const len = Buffer.byteLength(good);
    const pieces = (s: string, n: number) => Array.from({ length: n }, (_, i) => s.slice(Math.floor((i * s.length) / n), Math.floor(((i + 1) * s.length) / n)));
    // Slowloris: headers a line at a time, never finished (we give up after ~3 s).
    const slowHeaders = Array.from({ length: 30 }, () => rawExchange(port, ['POST /validate HTTP/1.1\r\nHost: localhost\r\n', ...Array.from({ length: 14 }, (_, i) => `X-Slow-${i}: ${'z'.repeat(i)}\r\n`)], { pauseMs: 200, timeoutMs: 3_500 }));
    // Slow bodies: complete headers, then the body in 20 pieces over ~3 s; each must be decided.
    const slowBodies = Array.from({ length: 20 }, () => rawExchange(port, [`POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${len}\r\n\r\n`, ...pieces(good, 20)], { pauseMs: 150, timeoutMs: 15_000 }));
    // A client that connects and sends nothing: the server closes it (connectionTimeout, 10 s).
    const silent = rawExchange(port, [], { timeoutMs: 25_000 });
    // Meanwhile, ordinary requests on fresh connections are answered.
    const meanwhile: Promise<Answer>[] = [];
    for (let i = 0; i < 20; i++) {
      meanwhile.push(post(port, '/validate', JSON.stringify(allowedPolicy(`during-${i}`)), { timeoutMs: 10_000 }));
      await new Promise((r) => setTimeout(r, 100));
    }
    const answers = await Promise.all(meanwhile);
    answers.forEach((a, i) => expect(reviewProblem(a, { uid: `during-${i}`, allowed: true })).toBeUndefined());
    for (const r of await Promise.all(slowHeaders)) expect(r.status === undefined || r.status < 500, r.text.slice(0, 200)).toBe(true);
    for (const r of await Promise.all(slowBodies)) {
      expect(r.status, r.text.slice(0, 200)).toBe(200);
      expect(reviewProblem({ status: r.status!, text: r.text.slice(r.text.indexOf('\r\n\r\n') + 4) }, { uid: 'slow-body', allowed: true })).toBeUndefined();
    }
    const s = await silent;
    expect(s.closed, 'the server closes a connection that never sends a request').toBe(true);
    expect(s.status === undefined || s.status < 500).toBe(true);
  }, 60_000);

  it('many connections at once: every one answered correctly', async () => {
    // 200 new TLS connections at the same moment, one request each.
    const burst = await Promise.all(Array.from({ length: 200 }, (_, i) => {
      const uid = `burst-${i}`;
      return post(port, i % 2 === 0 ? '/validate' : '/mutate', JSON.stringify(i % 2 === 0 ? deniedPolicy(uid) : namespaceCreate(uid)), { timeoutMs: 30_000 })
        .then((a) => reviewProblem(a, i % 2 === 0 ? { uid, allowed: false } : { uid, allowed: true, patch: true }), (err: Error) => err.message);
    }));
    expect(burst.filter((p) => p !== undefined)).toEqual([]);
    // 50 keep-alive connections, 10 requests each, back to back.
    const pool = new https.Agent({ keepAlive: true, maxSockets: 50, ca: tlsMaterial().ca, servername: 'localhost' });
    const waves = await Promise.all(Array.from({ length: 50 }, async (_, c) => {
      const problems: string[] = [];
      for (let k = 0; k < 10; k++) {
        const uid = `pool-${c}-${k}`;
        try {
          const a = await post(port, '/validate', JSON.stringify(allowedPolicy(uid)), { agent: pool, timeoutMs: 30_000 });
          const p = reviewProblem(a, { uid, allowed: true });
          if (p !== undefined) problems.push(`${uid}: ${p}`);
        } catch (err) {
          problems.push(`${uid}: ${(err as Error).message}`);
        }
      }
      return problems;
    }));
    pool.destroy();
    expect(waves.flat()).toEqual([]);
  }, 60_000);

  it('the canary got correct decisions throughout, and the server is still healthy', async () => {
    const result = await canary.stop();
    expect(result.problems).toEqual([]);
    expect(result.ok).toBeGreaterThan(30);
    const h = await post(port, '/healthz', '', { method: 'GET', timeoutMs: 10_000 });
    expect(h.status).toBe(200);
  }, 30_000);
});
