/** The development cluster's credentials: certificates that chain to its CA, a token and a kubeconfig per user. */
import { createPublicKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { writePki, writeTokensAndKubeconfigs, writeWebhookCerts } from './credentials.js';
import { layoutOf } from './layout.js';

const dir = mkdtempSync(join(tmpdir(), 'tg-dev-credentials-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const layout = layoutOf({ TG_CLUSTER_DIR: dir });
writePki(layout);
writeTokensAndKubeconfigs(layout, 'https://127.0.0.1:6443');
writeWebhookCerts(layout, join(dir, 'webhook'));
const read = (...p: string[]) => readFileSync(join(...p), 'utf8');

describe('the PKI', () => {
  const ca = new X509Certificate(read(layout.pki, 'ca.crt'));

  it('the API server and the webhook certificates are signed by the CA, for their names', () => {
    const api = new X509Certificate(read(layout.pki, 'apiserver.crt'));
    expect(api.verify(ca.publicKey)).toBe(true);
    expect(api.subjectAltName).toContain('IP Address:10.96.0.1');
    expect(api.subjectAltName).toContain('DNS:kubernetes.default.svc');
    expect(api.checkIP('127.0.0.1')).toBe('127.0.0.1');
    const hook = new X509Certificate(read(dir, 'webhook', 'tls.crt'));
    expect(hook.verify(ca.publicKey)).toBe(true);
    expect(hook.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(read(dir, 'webhook', 'ca.crt')).toBe(read(layout.pki, 'ca.crt'));
    expect(ca.ca).toBe(true);
  });

  it('the service account key pair matches, and keys are readable by the owner only', () => {
    const pub = createPublicKey(read(layout.pki, 'sa.pub')).export({ type: 'spki', format: 'pem' });
    expect(createPublicKey(read(layout.pki, 'sa.key')).export({ type: 'spki', format: 'pem' })).toBe(pub);
    for (const f of ['ca.key', 'apiserver.key', 'sa.key', 'tokens.csv']) expect(statSync(join(layout.pki, f)).mode & 0o077).toBe(0);
  });
});

describe('tokens and kubeconfigs', () => {
  const tokens = read(layout.pki, 'tokens.csv').trim().split('\n');

  it('one token per user, with the groups that make them tenants, and the webhook\'s own identity', () => {
    const rows = tokens.map((l) => l.split(',')[1]);
    expect(rows).toEqual(['admin', 'alice', 'bob', 'carol', 'mallory', 'system:serviceaccount:tenant-guard-system:tenant-guard']);
    expect(tokens[1]).toMatch(/^[0-9a-f]{48},alice,uid-alice,"acme-devs"$/);
    expect(tokens[4]).toMatch(/^[0-9a-f]{48},mallory,uid-mallory$/);
    expect(tokens[5]).toMatch(/,uid-tenant-guard,"system:serviceaccounts,system:serviceaccounts:tenant-guard-system"$/);
    expect(new Set(tokens.map((l) => l.split(',')[0])).size).toBe(6);
  });

  it('a kubeconfig per user with that user\'s token; tenant users default to a namespace of their tenant', () => {
    const alice = parse(read(layout.kubeconfigs, 'alice')) as { users: { user: { token: string } }[]; contexts: { context: { namespace?: string } }[]; clusters: { cluster: { server: string; 'certificate-authority-data': string } }[] };
    expect(alice.users[0]!.user.token).toBe(tokens[1]!.split(',')[0]);
    expect(alice.contexts[0]!.context.namespace).toBe('acme-web');
    expect(alice.clusters[0]!.cluster.server).toBe('https://127.0.0.1:6443');
    expect(Buffer.from(alice.clusters[0]!.cluster['certificate-authority-data'], 'base64').toString()).toBe(read(layout.pki, 'ca.crt'));
    const admin = parse(read(layout.kubeconfigs, 'admin')) as { contexts: { context: { namespace?: string } }[] };
    expect(admin.contexts[0]!.context.namespace).toBeUndefined();
    const hook = parse(read(layout.kubeconfigs, 'tenant-guard')) as { users: { user: { token: string } }[] };
    expect(hook.users[0]!.user.token).toBe(tokens[5]!.split(',')[0]);
    expect(statSync(join(layout.kubeconfigs, 'alice')).mode & 0o077).toBe(0);
  });
});
