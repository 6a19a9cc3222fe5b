/**
 * `tenant-guard certs`, in-process: the files it writes, checked with
 * node:crypto as a TLS client would check them.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run, tempDir } from './cli-support.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

function load(dir: string) {
  return {
    ca: new X509Certificate(readFileSync(join(dir, 'ca.crt'))),
    cert: new X509Certificate(readFileSync(join(dir, 'tls.crt'))),
    key: createPrivateKey(readFileSync(join(dir, 'tls.key'))),
  };
}

describe('certs', () => {
  it('--out DIR --ip 127.0.0.1 --dns x: a CA and a serving certificate for exactly those names', async () => {
    const out = join(tmp.dir, 'a');
    const r = await run('certs', '--out', out, '--ip', '127.0.0.1', '--dns', 'x', '--days', '30');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`wrote ${join(out, 'ca.crt')}, tls.crt and tls.key for x, 127.0.0.1 (valid 30 days)`);

    const { ca, cert, key } = load(out);
    expect(ca.ca).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.checkIssued(ca)).toBe(true);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkPrivateKey(key)).toBe(true);
    expect(cert.subjectAltName).toBe('DNS:x, IP Address:127.0.0.1');
    expect(cert.checkHost('x')).toBe('x');
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.checkHost('localhost')).toBeUndefined();
    expect(cert.keyUsage).toContain('1.3.6.1.5.5.7.3.1'); // serverAuth
    const days = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86_400_000;
    expect(Math.round(days)).toBe(30);
    expect(statSync(join(out, 'tls.key')).mode & 0o777).toBe(0o600);
  });

  it('without names: localhost and 127.0.0.1', async () => {
    const out = join(tmp.dir, 'b');
    const r = await run('certs', '--out', out);
    expect(r.code).toBe(0);
    const { ca, cert } = load(out);
    expect(cert.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1');
    expect(cert.verify(ca.publicKey)).toBe(true);
  });

  it('Service names, a wildcard and IPv6 are accepted', async () => {
    const out = join(tmp.dir, 'c');
    const r = await run('certs', '--out', out, '--dns', 'tenant-guard.tenant-guard-system.svc', '--dns', '*.example.com', '--ip', '::1');
    expect(r.code).toBe(0);
    const { cert } = load(out);
    expect(cert.subjectAltName).toBe('DNS:tenant-guard.tenant-guard-system.svc, DNS:*.example.com, IP Address:0:0:0:0:0:0:0:1');
    expect(cert.checkIP('::1')).toBe('::1');
  });

  it('each run makes a new CA: certificates of one do not verify against another', () => {
    const a = load(join(tmp.dir, 'a'));
    const b = load(join(tmp.dir, 'b'));
    expect(a.cert.verify(b.ca.publicKey)).toBe(false);
  });

  it.each([
    [['certs'], 'tenant-guard certs: certs needs --out DIR'],
    [['certs', '--out', 'x', '--days', 'soon'], 'tenant-guard certs: --days must be a whole number, got "soon"'],
    [['certs', '--out', 'x', '--days', '0'], 'tenant-guard certs: --days must be at least 1, got 0'],
    [['certs', '--out', 'x', '--ip', '300.1.1.1'], 'tenant-guard certs: --ip "300.1.1.1" is not an IPv4 or IPv6 address'],
    [['certs', '--out', 'x', '--ip', 'localhost'], 'tenant-guard certs: --ip "localhost" is not an IPv4 or IPv6 address'],
    [['certs', '--out', 'x', '--dns', 'my host'], 'tenant-guard certs: --dns "my host" is not a DNS name (labels of letters, digits and "-", separated by dots; "*." allowed in front)'],
    [['certs', '--out', 'x', '--dns', 'https://webhook.svc'], 'tenant-guard certs: --dns "https://webhook.svc" is not a DNS name (labels of letters, digits and "-", separated by dots; "*." allowed in front)'],
    [['certs', '--out', 'x', '--bogus'], 'tenant-guard certs: unknown option \'--bogus\''],
  ])('usage error %j: exit 2', async (argv, message) => {
    const r = await run(...argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(message);
  });
});
