/**
 * The development cluster's credentials: one CA (src/certs issues it and every
 * serving certificate), the API server's serving certificate, the service
 * account signing key pair, a static token per user and a kubeconfig for each.
 * Keys and tokens are written readable by the owner only.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { issueCA, issueServing, type KeyPairPem } from '../certs/issue.js';
import { kubeconfigOf, USERS, WEBHOOK_USER, type Layout } from './layout.js';

const PRIVATE = { mode: 0o600 } as const;

function writePair(prefix: string, pair: KeyPairPem): void {
  writeFileSync(`${prefix}.crt`, pair.certPem);
  writeFileSync(`${prefix}.key`, pair.keyPem, PRIVATE);
}

function readCA(l: Layout): KeyPairPem {
  return { certPem: readFileSync(join(l.pki, 'ca.crt'), 'utf8'), keyPem: readFileSync(join(l.pki, 'ca.key'), 'utf8') };
}

/** The CA, the API server's certificate (its in-cluster names too) and the service account key pair. */
export function writePki(l: Layout): void {
  mkdirSync(l.pki, { recursive: true });
  const ca = issueCA('tenant-guard-dev-ca', 3650);
  writePair(join(l.pki, 'ca'), ca);
  writePair(join(l.pki, 'apiserver'), issueServing(ca, {
    dnsNames: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc'],
    ips: ['127.0.0.1', '10.96.0.1'],
  }));
  const sa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(join(l.pki, 'sa.key'), sa.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(), PRIVATE);
  writeFileSync(join(l.pki, 'sa.pub'), sa.publicKey.export({ type: 'spki', format: 'pem' }).toString());
}

/** A serving certificate for 127.0.0.1 signed by the cluster's CA, with the CA beside it, in `dir` (tls.crt, tls.key, ca.crt). */
export function writeWebhookCerts(l: Layout, dir: string): void {
  mkdirSync(dir, { recursive: true });
  const ca = readCA(l);
  writeFileSync(join(dir, 'ca.crt'), ca.certPem);
  writePair(join(dir, 'tls'), issueServing(ca, { dnsNames: ['localhost'], ips: ['127.0.0.1'] }));
}

function kubeconfigText(apiUrl: string, caPem: string, name: string, token: string, namespace: string | undefined): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '  - name: tenant-guard-dev',
    '    cluster:',
    `      server: ${apiUrl}`,
    `      certificate-authority-data: ${Buffer.from(caPem).toString('base64')}`,
    'users:',
    `  - name: ${name}`,
    '    user:',
    `      token: ${token}`,
    'contexts:',
    `  - name: ${name}@tenant-guard-dev`,
    '    context:',
    '      cluster: tenant-guard-dev',
    `      user: ${name}`,
    ...(namespace !== undefined ? [`      namespace: ${namespace}`] : []),
    `current-context: ${name}@tenant-guard-dev`,
    '',
  ].join('\n');
}

/** One line of the API server's --token-auth-file: token,user,uid[,"group1,group2"]. */
function tokenLine(token: string, user: string, uid: string, groups: readonly string[]): string {
  return groups.length > 0 ? `${token},${user},${uid},"${groups.join(',')}"` : `${token},${user},${uid}`;
}

/**
 * A random token per test user and for the webhook, the API server's token
 * file, and a kubeconfig each. The tenant users' contexts default to a
 * namespace of their tenant, as a platform would hand it out (README, examples/).
 */
export function writeTokensAndKubeconfigs(l: Layout, apiUrl: string): void {
  mkdirSync(l.kubeconfigs, { recursive: true });
  const ca = readFileSync(join(l.pki, 'ca.crt'), 'utf8');
  const lines: string[] = [];
  const add = (kubeconfigName: string, user: string, uid: string, groups: readonly string[], namespace: string | undefined) => {
    const token = randomBytes(24).toString('hex');
    lines.push(tokenLine(token, user, uid, groups));
    writeFileSync(kubeconfigOf(l, kubeconfigName), kubeconfigText(apiUrl, ca, kubeconfigName, token, namespace), PRIVATE);
  };
  for (const u of USERS) add(u.name, u.name, `uid-${u.name}`, u.groups, u.namespace);
  add('tenant-guard', WEBHOOK_USER.name, 'uid-tenant-guard', WEBHOOK_USER.groups, undefined);
  writeFileSync(join(l.pki, 'tokens.csv'), `${lines.join('\n')}\n`, PRIVATE);
}
