/**
 * The control plane of the development cluster: etcd and kube-apiserver from
 * the binaries scripts/build-k8s.sh builds (from Go modules, cached), on free
 * ports of 127.0.0.1, with RBAC, static tokens, the admission plugins the
 * webhook and the outage-safe floor need, the tenants' and the webhook's RBAC,
 * the CRDs of the policy kinds tenant-guard judges and tenant-guard's own
 * (Export, Import), exactly as the chart installs them.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { logFile, pidFile, REPO, type ClusterEnv, type Layout } from './layout.js';
import { ClusterError, log, run, startDaemon, tcpOpen, waitFor } from './processes.js';
import { kc, tail } from './webhook.js';

/** The CRDs applied from <shared>/crds, and the names to wait for. */
const CRDS = [
  ['ciliumnetworkpolicies.yaml', 'ciliumnetworkpolicies.cilium.io'],
  ['ciliumclusterwidenetworkpolicies.yaml', 'ciliumclusterwidenetworkpolicies.cilium.io'],
  ['policy.networking.k8s.io_adminnetworkpolicies.yaml', 'adminnetworkpolicies.policy.networking.k8s.io'],
  ['policy.networking.k8s.io_baselineadminnetworkpolicies.yaml', 'baselineadminnetworkpolicies.policy.networking.k8s.io'],
] as const;

/** tenant-guard's own CRDs, from the chart's crds/ folder. */
const OWN_CRDS = [
  ['exports.tenant-guard.io.yaml', 'exports.tenant-guard.io'],
  ['imports.tenant-guard.io.yaml', 'imports.tenant-guard.io'],
] as const;

/** The binaries' folder (scripts/build-k8s.sh prints it; it builds them on first use, its progress on stderr). */
export async function buildBinaries(): Promise<string> {
  const r = await run('bash', [join(REPO, 'scripts', 'build-k8s.sh')], { inheritStderr: true });
  if (r.code !== 0) throw new ClusterError(`scripts/build-k8s.sh failed (exit ${r.code})`);
  return r.stdout.trim();
}

export function checkCrds(l: Layout): void {
  if (!existsSync(join(l.shared, 'crds'))) throw new ClusterError(`CRD folder not found: ${join(l.shared, 'crds')} (set TG_SHARED_DIR)`);
}

async function waitDaemon(l: Layout, name: string, what: string, check: () => Promise<boolean>, timeoutS: number): Promise<void> {
  try {
    await waitFor(what, timeoutS, check, { name, pidFile: pidFile(l, name) });
  } catch (err) {
    process.stderr.write(tail(logFile(l, name)));
    throw err;
  }
}

export async function startEtcd(l: Layout, c: ClusterEnv, peerPort: number, timeoutS: number): Promise<void> {
  log(`starting etcd on 127.0.0.1:${c.etcdPort}`);
  const peer = `http://127.0.0.1:${peerPort}`;
  const client = `http://127.0.0.1:${c.etcdPort}`;
  startDaemon(pidFile(l, 'etcd'), logFile(l, 'etcd'), join(c.binDir, 'etcd'), [
    '--name=tenant-guard-dev',
    `--data-dir=${join(l.state, 'etcd')}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=tenant-guard-dev=${peer}`,
    '--unsafe-no-fsync=true',
    '--log-level=warn',
  ]);
  await waitDaemon(l, 'etcd', 'etcd', () => tcpOpen(c.etcdPort), timeoutS);
}

export async function startApiServer(l: Layout, c: ClusterEnv, timeoutS: number): Promise<void> {
  log(`starting kube-apiserver on ${c.apiUrl}`);
  const pki = (f: string) => join(l.pki, f);
  // ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1, GA since 1.30)
  // is served and enforced by default; the outage-safe floor relies on it.
  startDaemon(pidFile(l, 'kube-apiserver'), logFile(l, 'kube-apiserver'), join(c.binDir, 'kube-apiserver'), [
    `--etcd-servers=http://127.0.0.1:${c.etcdPort}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    '--endpoint-reconciler-type=none',
    `--secure-port=${c.apiPort}`,
    `--tls-cert-file=${pki('apiserver.crt')}`,
    `--tls-private-key-file=${pki('apiserver.key')}`,
    `--client-ca-file=${pki('ca.crt')}`,
    `--token-auth-file=${pki('tokens.csv')}`,
    '--authorization-mode=Node,RBAC',
    '--enable-admission-plugins=NamespaceLifecycle,MutatingAdmissionWebhook,ValidatingAdmissionWebhook,ValidatingAdmissionPolicy',
    '--disable-admission-plugins=ServiceAccount',
    `--service-account-key-file=${pki('sa.pub')}`,
    `--service-account-signing-key-file=${pki('sa.key')}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    '--service-cluster-ip-range=10.96.0.0/12',
    '--allow-privileged=true',
    '--profiling=false',
    '--v=1',
  ]);
  await waitDaemon(l, 'kube-apiserver', 'kube-apiserver /readyz', async () => (await kc(l, c, 'admin', ['get', '--raw=/readyz'])).code === 0, timeoutS);
}

async function admin(l: Layout, c: ClusterEnv, args: readonly string[], what: string): Promise<void> {
  const r = await kc(l, c, 'admin', args);
  if (r.code !== 0) throw new ClusterError(`${what} failed: ${r.stderr}${r.stdout}`);
}

export async function applyBasics(l: Layout, c: ClusterEnv, timeoutS: number): Promise<void> {
  log("applying tenant RBAC, the webhook's RBAC and CRDs");
  await admin(l, c, ['apply', '-f', join(l.manifests, 'tenant-rbac.yaml')], 'applying the tenant RBAC');
  await admin(l, c, ['create', 'namespace', 'tenant-guard-system'], 'creating tenant-guard-system');
  await admin(l, c, ['apply', '-f', join(l.manifests, 'webhook-rbac.yaml')], "applying the webhook's RBAC");
  for (const [file] of CRDS) {
    // (The Cilium CRDs make the API server warn about an unknown string format.)
    await admin(l, c, ['apply', '--server-side', '--force-conflicts', '-f', join(l.shared, 'crds', file)], `applying ${join(l.shared, 'crds', file)}`);
  }
  for (const [file] of OWN_CRDS) {
    const path = join(REPO, 'charts', 'tenant-guard', 'crds', file);
    await admin(l, c, ['apply', '--server-side', '--force-conflicts', '-f', path], `applying ${path}`);
  }
  await admin(l, c, ['wait', '--for=condition=Established', `--timeout=${timeoutS}s`, ...[...CRDS, ...OWN_CRDS].map(([, name]) => `crd/${name}`)], 'waiting for the CRDs');
}

/** What the controller beside the webhook may do (the chart's controller rules), for the webhook's identity. */
export async function applyControllerRbac(l: Layout, c: ClusterEnv): Promise<void> {
  await admin(l, c, ['apply', '-f', join(l.manifests, 'controller-rbac.yaml')], "applying the controller's RBAC");
}
