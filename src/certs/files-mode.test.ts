// TLS mode `files`: the server serves the certificate files it was given and
// picks up replaced files without a restart (as a Secret volume update does).
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../cli/serve.js';
import { configFromObject } from '../config/load.js';
import { issueCA, issueServing, type KeyPairPem } from './issue.js';

let dir: string;
let server: RunningServer | undefined;
const savedEnv = { KUBECONFIG: process.env.KUBECONFIG, HOME: process.env.HOME, KUBERNETES_SERVICE_HOST: process.env.KUBERNETES_SERVICE_HOST };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tg-files-mode-'));
  // No cluster: the server must not pick up a developer's kubeconfig.
  process.env.KUBECONFIG = join(dir, 'no-such-kubeconfig');
  process.env.HOME = dir;
  delete process.env.KUBERNETES_SERVICE_HOST;
});

afterEach(async () => {
  await server?.close();
  server = undefined;
});

afterAll(async () => {
  for (const [k, v] of Object.entries(savedEnv)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await rm(dir, { recursive: true, force: true });
});

const ca = issueCA('files-mode-test-ca', 1);
function pair(): KeyPairPem {
  return issueServing(ca, { dnsNames: ['localhost'], ips: ['127.0.0.1'], days: 1 });
}

function serialOf(pem: string): string {
  return new X509Certificate(pem).serialNumber.toUpperCase();
}

/** The serial number of the certificate served on a fresh TLS connection. */
function servedSerial(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca: ca.certPem, servername: 'localhost' }, () => {
      const serial = socket.getPeerCertificate().serialNumber;
      socket.end();
      resolve(serial.toUpperCase());
    });
    socket.once('error', reject);
  });
}

/** Replaces a file the way a Secret volume does: write aside, then rename over. */
async function swap(path: string, content: string): Promise<void> {
  await writeFile(`${path}.tmp`, content);
  await rename(`${path}.tmp`, path);
}

async function waitForSerial(port: number, want: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let got = await servedSerial(port);
  while (got !== want && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    got = await servedSerial(port);
  }
  return got;
}

describe('tls mode files', () => {
  it('serves a replaced certificate on new connections without a restart, and ignores a half-written pair', async () => {
    const certFile = join(dir, 'tls.crt');
    const keyFile = join(dir, 'tls.key');
    const first = pair();
    await writeFile(certFile, first.certPem);
    await writeFile(keyFile, first.keyPem);
    const cfg = configFromObject({ server: { certFile, keyFile }, tls: { mode: 'files', reloadIntervalSeconds: 0.1 } });
    if (!cfg.ok) throw new Error(JSON.stringify(cfg.errors));
    server = await startServer(cfg.config, { port: '0', host: '127.0.0.1' }, pino({ level: 'silent' }));

    const firstSerial = serialOf(first.certPem);
    expect(await servedSerial(server.port)).toBe(firstSerial);

    // Only the certificate changes: key and certificate no longer match, so the old pair stays.
    const second = pair();
    await swap(certFile, second.certPem);
    await new Promise((r) => setTimeout(r, 600));
    expect(await servedSerial(server.port)).toBe(firstSerial);

    // Now the key too: the new pair is served.
    await swap(keyFile, second.keyPem);
    const secondSerial = serialOf(second.certPem);
    expect(secondSerial).not.toBe(firstSerial);
    expect(await waitForSerial(server.port, secondSerial, 10_000)).toBe(secondSerial);
  });

  it('refuses to start without usable files unless --dev is given', async () => {
    const certFile = join(dir, 'dev', 'tls.crt');
    const cfg = configFromObject({ server: { certFile, keyFile: join(dir, 'dev', 'tls.key') } });
    if (!cfg.ok) throw new Error(JSON.stringify(cfg.errors));
    await expect(startServer(cfg.config, { port: '0', host: '127.0.0.1' }, pino({ level: 'silent' }))).rejects.toThrow(/no usable serving certificate/);
    // With --dev: a generated pair, its CA written next to the missing certificate.
    server = await startServer(cfg.config, { port: '0', host: '127.0.0.1', dev: true }, pino({ level: 'silent' }));
    const devCa = await readFile(join(dir, 'dev', 'dev-ca.crt'), 'utf8');
    const served = await new Promise<string>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port: server!.port, ca: devCa, servername: 'localhost' }, () => {
        resolve(socket.getPeerCertificate().subjectaltname ?? '');
        socket.end();
      });
      socket.once('error', reject);
    });
    expect(served).toMatch(/DNS:localhost/);
  });

  it('refuses --tls-mode self without a Kubernetes API, and an unknown mode', async () => {
    const cfg = configFromObject({});
    if (!cfg.ok) throw new Error(JSON.stringify(cfg.errors));
    await expect(startServer(cfg.config, { port: '0', host: '127.0.0.1', 'tls-mode': 'self' }, pino({ level: 'silent' }))).rejects.toThrow(/needs a Kubernetes API/);
    await expect(startServer(cfg.config, { port: '0', host: '127.0.0.1', 'tls-mode': 'secret' }, pino({ level: 'silent' }))).rejects.toThrow(/--tls-mode must be one of files, self, dev/);
  });
});
