/**
 * The app over real HTTPS, with a CA and serving certificate from
 * src/certs/issue.ts: what the API server sees on the wire (TLS version,
 * certificate verification, keep-alive), driven with supertest.
 */
import type { AddressInfo } from 'node:net';
import https from 'node:https';
import tls from 'node:tls';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueCA, issueServing, type KeyPairPem } from '../../src/certs/issue.js';
import { decodePatch, fixtureText, makeApp, type ReviewResponse, type TestApp } from './helpers.js';

let ca: KeyPairPem;
let serving: KeyPairPem;
let t: TestApp;
let base: string;
let port: number;

beforeAll(async () => {
  ca = issueCA('tenant-guard-test-ca', 1);
  serving = issueServing(ca, { dnsNames: ['localhost'], ips: ['127.0.0.1'], days: 1 });
  t = makeApp({ https: { key: serving.keyPem, cert: serving.certPem } });
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  port = (t.app.server.address() as AddressInfo).port;
  base = `https://127.0.0.1:${port}`;
});

afterAll(async () => {
  await t.app.close();
});

/** Connect with these client TLS options; resolve with the negotiated protocol or the error. */
function handshake(options: tls.ConnectionOptions): Promise<{ protocol: string | null } | { error: NodeJS.ErrnoException }> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', ca: ca.certPem, servername: 'localhost', ...options });
    socket.once('secureConnect', () => {
      const protocol = socket.getProtocol();
      socket.end();
      resolve({ protocol });
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve({ error }));
  });
}

/** A TLS 1.1-only client; SECLEVEL=0 lets OpenSSL 3 offer TLS 1.1 at all. */
const tls11Client = { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' } as const;

describe('admission over HTTPS', () => {
  it('POST /validate: a refusal, as the API server receives it', async () => {
    const res = await request(base)
      .post('/validate')
      .ca(ca.certPem)
      .set('content-type', 'application/json')
      .send(fixtureText('networkpolicy-create-cross-tenant'))
      .expect(200)
      .expect('content-type', /application\/json/);
    const body = res.body as ReviewResponse;
    expect(body.apiVersion).toBe('admission.k8s.io/v1');
    expect(body.kind).toBe('AdmissionReview');
    expect(body.response.uid).toBe('d41f7b2e-8c3a-4e19-b5d0-2a6c9e1f7b83');
    expect(body.response.allowed).toBe(false);
    expect(body.response.status?.code).toBe(403);
    expect(body.response.status?.message.split('\n')[1]).toMatch(/^- spec\.ingress\[0\]\.from\[0\]\.namespaceSelector: Forbidden: selects namespaces of tenant globex \(fix: /);
  });

  it('POST /mutate: the patch arrives intact', async () => {
    const res = await request(base)
      .post('/mutate')
      .ca(ca.certPem)
      .set('content-type', 'application/json')
      .send(fixtureText('namespace-create-tenant'))
      .expect(200);
    expect(decodePatch(res.body as ReviewResponse)).toEqual([{ op: 'add', path: '/metadata/labels/tenant-guard.io~1tenant', value: 'acme' }]);
  });

  it('bad input keeps its status code over TLS', async () => {
    await request(base).post('/validate').ca(ca.certPem).set('content-type', 'text/plain').send('hello').expect(415);
    await request(base).post('/validate').ca(ca.certPem).set('content-type', 'application/json').send('{"apiVersion":').expect(400);
  });

  it('the probes answer over HTTPS', async () => {
    await request(base).get('/healthz').ca(ca.certPem).expect(200, { status: 'ok' });
    await request(base).get('/readyz').ca(ca.certPem).expect(200, { status: 'ok', degraded: [] });
  });

  it('a client that does not trust the CA is refused', async () => {
    const r = await handshake({ port, ca: undefined });
    expect('error' in r && r.error.code).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });

  it('the certificate is valid for 127.0.0.1 and localhost', async () => {
    expect(await handshake({ port, servername: 'localhost' })).toMatchObject({ protocol: expect.stringMatching(/^TLSv1\.[23]$/) });
    const byIp = await new Promise<Error | undefined>((resolve) => {
      const s = tls.connect({ host: '127.0.0.1', port, ca: ca.certPem }, () => { s.end(); resolve(undefined); });
      s.once('error', resolve);
    });
    expect(byIp).toBeUndefined();
  });
});

describe('TLS versions', () => {
  it('TLS 1.2 and 1.3 clients are served', async () => {
    expect(await handshake({ port, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' })).toEqual({ protocol: 'TLSv1.2' });
    expect(await handshake({ port, minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' })).toEqual({ protocol: 'TLSv1.3' });
  });

  it('a TLS 1.1 client is refused by the server', async () => {
    // Control: the same client does complete a TLS 1.1 handshake with a server that allows it,
    // so the refusal below comes from the webhook's minimum version, not from the client.
    const permissive = tls.createServer({ key: serving.keyPem, cert: serving.certPem, minVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' }, (s) => s.end());
    await new Promise<void>((resolve) => permissive.listen(0, '127.0.0.1', resolve));
    try {
      expect(await handshake({ port: (permissive.address() as AddressInfo).port, ...tls11Client })).toEqual({ protocol: 'TLSv1.1' });
    } finally {
      permissive.close();
    }
    const r = await handshake({ port, ...tls11Client });
    expect('error' in r && r.error.code).toBe('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION');
  });
});

describe('keep-alive', () => {
  it('the idle timeout is above the API server\'s 90 s', () => {
    expect(t.app.server.keepAliveTimeout).toBeGreaterThan(90_000);
  });

  it('after a response, the connection is kept idle for the keep-alive timeout, not the 10 s connection timeout', async () => {
    const sockets: tls.TLSSocket[] = [];
    const onConnection = (s: tls.TLSSocket) => sockets.push(s);
    t.app.server.on('secureConnection', onConnection);
    const agent = new https.Agent({ keepAlive: true, ca: ca.certPem, maxSockets: 1 });
    try {
      const get = () => new Promise<number>((resolve, reject) => {
        https.get({ host: '127.0.0.1', port, path: '/healthz', agent, servername: 'localhost' }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        }).on('error', reject);
      });
      expect(await get()).toBe(200);
      // Let the server finish the response and arm the idle timer.
      await new Promise((r) => setTimeout(r, 50));
      expect(sockets).toHaveLength(1);
      expect(sockets[0]!.timeout).toBeGreaterThan(90_000);
      // The second request reuses the same connection.
      expect(await get()).toBe(200);
      expect(sockets).toHaveLength(1);
    } finally {
      agent.destroy();
      t.app.server.off('secureConnection', onConnection);
    }
  });
});
