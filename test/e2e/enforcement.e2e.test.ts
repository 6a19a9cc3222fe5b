// Rollout modes on a real API server, through kubectl as tenant users: a
// violation in warn mode is admitted and printed as `Warning:`, one in a
// dryrun tenant is admitted silently, deny still refuses; and the floor
// generated for the same configuration compiles on the API server and keeps
// only the pinned code while the webhook is down.
//
// On a private cluster: it runs the webhook with its own configuration, and
// stops it.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { eventually, POLICY_DENIED, PrivateCluster, repo, WEBHOOK_DENIED, WEBHOOK_USER, type KubectlResult, type User } from './kube.js';

const TENANT_LABEL = 'tenant-guard.io/tenant';
const ENFORCEMENT = {
  codes: { SelectorOtherTenant: 'warn', OpenRule: 'warn', SelectorAllNamespaces: 'deny' },
  tenants: { globex: 'dryrun' },
};

let cluster: PrivateCluster;
let work: string;
let configFile: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'tg-e2e-enforcement-'));
  const base = parseYaml(readFileSync(join(repo, 'test/cluster/config.yaml'), 'utf8')) as Record<string, unknown>;
  configFile = join(work, 'config.yaml');
  writeFileSync(configFile, stringifyYaml({ ...base, enforcement: ENFORCEMENT }));
  cluster = await PrivateCluster.start('enforcement', { env: { TG_WEBHOOK_CONFIG: configFile } });
  for (const [user, name] of [['alice', 'acme-rollout'], ['bob', 'globex-rollout']] as const) {
    const res = await cluster.kubectl(user, ['create', 'namespace', name]);
    expect(res.code, res.stderr).toBe(0);
  }
}, 6 * 60_000);

afterAll(async () => {
  try {
    await cluster?.down();
  } finally {
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  }
});

function np(name: string, namespace: string, spec: object): object {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec };
}

function apply(user: User, obj: object, ...extra: string[]): Promise<KubectlResult> {
  return cluster.kubectl(user, ['apply', ...extra, '-f', '-'], { input: JSON.stringify(obj) });
}

const fromGlobex = (ns: string) => np('from-globex', ns, { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { [TENANT_LABEL]: 'globex' } } }] }] });
const everywhere = (ns: string) => np('everywhere', ns, { podSelector: {}, ingress: [{ from: [{ namespaceSelector: {} }] }] });
const partners = (ns: string) => np('partners', ns, { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { partner: 'true' } } }] }] });
const open = (ns: string) => np('open', ns, { podSelector: {}, ingress: [{ ports: [{ port: 80 }] }] });

describe('the webhook applies the modes', () => {
  it('warn: the policy is created and kubectl prints the violation as a Warning: line', async () => {
    const res = await apply('alice', fromGlobex('acme-rollout'));
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('networkpolicy.networking.k8s.io/from-globex created');
    expect(res.stderr).toContain('Warning: tenant-guard warn SelectorOtherTenant: spec.ingress[0].from[0].namespaceSelector: selects namespaces of tenant globex (fix: ');
  });

  it('deny still refuses, for the tenant at the default and for a pinned code in a dryrun tenant', async () => {
    const acme = await apply('alice', partners('acme-rollout'));
    expect(acme.code).not.toBe(0);
    expect(acme.stderr).toMatch(WEBHOOK_DENIED);
    expect(acme.stderr).toContain('spec.ingress[0].from[0].namespaceSelector');
    const pinned = await apply('bob', everywhere('globex-rollout'));
    expect(pinned.code).not.toBe(0);
    expect(pinned.stderr).toMatch(WEBHOOK_DENIED);
    expect(pinned.stderr).toContain('selects every namespace in the cluster');
  });

  it('dryrun: a tenant in dryrun is admitted silently', async () => {
    const res = await apply('bob', partners('globex-rollout'));
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).not.toContain('Warning:');
  });

  it('a code in warn reaches a dryrun tenant as a warning: the stricter of the two entries wins', async () => {
    const res = await apply('bob', open('globex-rollout'));
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain('Warning: tenant-guard warn OpenRule: spec.ingress[0]: ');
  });
});

describe('the floor follows the modes', () => {
  beforeAll(async () => {
    const manifest = await new Promise<string>((resolvePromise, reject) => {
      execFile(process.execPath, [join(repo, 'dist/cli/main.js'), 'floor', '--config', configFile, '--exempt-user', WEBHOOK_USER], { cwd: repo, timeout: 60_000 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`tenant-guard floor failed: ${err.message}\n${stderr}`));
        else resolvePromise(stdout);
      });
    });
    const res = await cluster.kubectl('admin', ['apply', '-f', '-'], { input: manifest });
    expect(res.code, res.stderr).toBe(0);
    await cluster.setFailurePolicy('Ignore');
    await cluster.webhookStop();
    // The floor is enforced once its bindings are read; the pinned code shows it.
    await eventually('the floor to refuse the pinned code', async () => POLICY_DENIED.test((await apply('alice', everywhere('acme-rollout'), '--dry-run=server')).stderr), 60_000, 500);
  }, 3 * 60_000);

  afterAll(async () => {
    try {
      await cluster.setFailurePolicy('Fail');
    } finally {
      await cluster.webhookStart();
    }
  });

  it('the pinned code is refused by the API server itself, with the floor\'s message', async () => {
    const res = await apply('alice', everywhere('acme-rollout'), '--dry-run=server');
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(POLICY_DENIED);
    expect(res.stderr).toContain('tenant-guard floor refused NetworkPolicy everywhere');
  });

  it('relaxed codes are left out of it: a rule without peers and a foreign selector get in', async () => {
    for (const obj of [open('acme-rollout'), np('to-globex', 'acme-rollout', { podSelector: {}, egress: [{ to: [{ namespaceSelector: { matchLabels: { [TENANT_LABEL]: 'globex' } } }] }] })]) {
      const res = await apply('alice', obj, '--dry-run=server');
      expect(res.code, res.stderr).toBe(0);
    }
  });
});
