/**
 * `tenant-guard check`, in-process through main(): exit codes, the text and
 * JSON reports, ownership from --namespaces, requester flags, and every kind
 * of bad input (exit 2 with a message, never a stack).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { example, run, tempDir } from './cli-support.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const CROSS_TENANT_FIX = 'select your tenant\'s namespaces with namespaceSelector.matchLabels {"tenant-guard.io/tenant": "acme"}, platform services with matchLabels {"tenant-guard.io/tenant": "platform"}, or drop namespaceSelector to stay in this namespace; no automatic change keeps this intent: to reach another tenant, ask that tenant to expose the service through the platform, or ask the platform team';

/** What `kubectl get ns -o yaml` prints. */
const NAMESPACE_LIST = `apiVersion: v1
items:
- apiVersion: v1
  kind: Namespace
  metadata:
    creationTimestamp: "2025-03-04T09:12:44Z"
    labels:
      kubernetes.io/metadata.name: acme-web
      tenant-guard.io/tenant: acme
    name: acme-web
    resourceVersion: "48213"
    uid: e3b1c2d4-5f6a-4b7c-8d9e-0f1a2b3c4d5e
  spec:
    finalizers:
    - kubernetes
  status:
    phase: Active
- apiVersion: v1
  kind: Namespace
  metadata:
    creationTimestamp: "2025-03-04T09:14:02Z"
    labels:
      kubernetes.io/metadata.name: acme-api
      tenant-guard.io/tenant: acme
    name: acme-api
    resourceVersion: "48377"
    uid: 1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d
  spec:
    finalizers:
    - kubernetes
  status:
    phase: Active
- apiVersion: v1
  kind: Namespace
  metadata:
    creationTimestamp: "2025-03-04T09:20:31Z"
    labels:
      kubernetes.io/metadata.name: globex-db
      tenant-guard.io/tenant: globex
    name: globex-db
    resourceVersion: "48802"
    uid: 9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a
  spec:
    finalizers:
    - kubernetes
  status:
    phase: Active
kind: List
metadata:
  resourceVersion: ""
`;

/** A NetworkPolicy letting in the namespace named `from`. */
function policyFrom(name: string, from: string): string {
  return `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: ${name}
spec:
  podSelector: {}
  ingress:
    - from:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: ${from}
`;
}

describe('verdicts and exit codes', () => {
  it('a cross-tenant policy: exit 1, the field path and the fix', async () => {
    const file = example('cross-tenant.yaml');
    const r = await run('check', '-f', file, '--namespace', 'acme-web', '--tenant', 'acme');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe([
      `DENIED  NetworkPolicy acme-web/allow-from-globex (${file}#1)`,
      `  - spec.ingress[0].from[0].namespaceSelector: Forbidden: selects namespaces of tenant globex (fix: ${CROSS_TENANT_FIX})`,
      '0 allowed, 1 denied',
    ].join('\n'));
  });

  it('the same intent confined to the tenant: exit 0', async () => {
    const file = example('same-tenant.yaml');
    const r = await run('check', '-f', file, '--namespace', 'acme-web', '--tenant', 'acme');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe([`ALLOWED NetworkPolicy acme-web/allow-from-acme-and-platform (${file}#1)`, '1 allowed, 0 denied'].join('\n'));
  });

  it('-o json gives [{file, position, kind, namespace, name, allowed, violations: [{code, path, segments, message, fix}], relaxed, warnings, patch}]', async () => {
    const r = await run('check', '-f', example('cross-tenant.yaml'), '-f', example('same-tenant.yaml'), '--namespace', 'acme-web', '--tenant', 'acme', '-o', 'json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual([
      {
        file: example('cross-tenant.yaml'),
        position: '1',
        kind: 'NetworkPolicy',
        namespace: 'acme-web',
        name: 'allow-from-globex',
        allowed: false,
        violations: [{ code: 'SelectorOtherTenant', path: 'spec.ingress[0].from[0].namespaceSelector', segments: ['spec', 'ingress', 0, 'from', 0, 'namespaceSelector'], message: 'selects namespaces of tenant globex', fix: CROSS_TENANT_FIX }],
        relaxed: [],
        warnings: [],
        patch: [],
      },
      { file: example('same-tenant.yaml'), position: '1', kind: 'NetworkPolicy', namespace: 'acme-web', name: 'allow-from-acme-and-platform', allowed: true, violations: [], relaxed: [], warnings: [], patch: [] },
    ]);
  });

  it('multi-document files and Lists: every object, in order, with its position', async () => {
    const file = tmp.write('multi.yaml', [
      policyFrom('from-api', 'acme-api'),
      '---',
      policyFrom('from-db', 'globex-db'),
      '---',
      '# an empty document',
      '---',
      'apiVersion: v1\nkind: List\nitems:\n  - ' + policyFrom('listed', 'kube-system').trimEnd().split('\n').join('\n    '),
    ].join('\n'));
    const r = await run('check', '-f', file, '--namespaces', tmp.write('ns.yaml', NAMESPACE_LIST), '--namespace', 'acme-web');
    expect(r.code).toBe(1);
    const lines = r.stdout.split('\n');
    expect(lines.filter((l) => /^(ALLOWED|DENIED)/.test(l))).toEqual([
      `ALLOWED NetworkPolicy acme-web/from-api (${file}#1)`,
      `DENIED  NetworkPolicy acme-web/from-db (${file}#2)`,
      `ALLOWED NetworkPolicy acme-web/listed (${file}#4.1)`,
    ]);
    expect(lines.at(-1)).toBe('2 allowed, 1 denied');
  });
});

describe('ownership from --namespaces (kubectl get ns -o yaml)', () => {
  it('decides who owns the namespaces a policy names', async () => {
    const nsFile = tmp.write('namespaces.yaml', NAMESPACE_LIST);
    const toDb = tmp.write('to-db.yaml', policyFrom('from-db', 'globex-db'));
    const withList = await run('check', '-f', toDb, '--namespaces', nsFile, '--namespace', 'acme-web', '-o', 'json');
    expect(withList.code).toBe(1);
    expect(JSON.parse(withList.stdout)[0].violations.map((v: { code: string; message: string }) => [v.code, v.message])).toEqual([
      ['SelectorOtherTenant', 'names namespace "globex-db", which belongs to tenant globex'],
    ]);

    // Without the list, the same name is unknown to check.
    const without = await run('check', '-f', toDb, '--namespace', 'acme-web', '--tenant', 'acme', '-o', 'json');
    expect(JSON.parse(without.stdout)[0].violations.map((v: { code: string }) => v.code)).toEqual(['SelectorUnknownNamespace']);
  });

  it('the policy\'s own namespace takes its owner from the list (no --tenant needed)', async () => {
    const nsFile = tmp.write('namespaces2.yaml', NAMESPACE_LIST);
    const r = await run('check', '-f', tmp.write('to-api.yaml', policyFrom('from-api', 'acme-api')), '--namespaces', nsFile, '--namespace', 'acme-web', '-o', 'json');
    expect(r.code).toBe(0);
    const [result] = JSON.parse(r.stdout);
    expect(result.allowed).toBe(true);
    expect(result.warnings).toEqual([
      'spec.ingress[0].from[0].namespaceSelector: namespace "acme-api" is named, not selected by owner: if it is deleted, another tenant can create a namespace with that name and this rule would reach it (set namespacePrefix to close this)',
      // The file leaves policyTypes to the API server: check says what it will be.
      'PolicyTypesDefaulted spec.policyTypes: not written: the API server sets [Ingress]; write policyTypes to say what the policy isolates',
    ]);
    // The same policy placed in globex's namespace reaches another tenant.
    const inGlobex = await run('check', '-f', tmp.write('to-api2.yaml', policyFrom('from-api', 'acme-api')), '--namespaces', nsFile, '--namespace', 'globex-db');
    expect(inGlobex.code).toBe(1);
    expect(inGlobex.stdout).toContain('names namespace "acme-api", which belongs to tenant acme');
  });
});

describe('lint: warnings with a stable code, never a refusal', () => {
  it('what the API server fills in later: policyTypes and protocol, as the file is written', async () => {
    const file = tmp.write('lint.yaml', [
      'apiVersion: networking.k8s.io/v1',
      'kind: NetworkPolicy',
      'metadata: { name: egress-only, namespace: acme-web }',
      'spec:',
      '  podSelector: { matchLabels: { app: web } }',
      '  egress:',
      '    - to: [ { podSelector: {} } ]',
      '      ports: [ { port: 53 } ]',
    ].join('\n'));
    const r = await run('check', '-f', file, '--namespace', 'acme-web', '--tenant', 'acme');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('  warning: '));
    expect(lines.map((l) => l.split(' ').slice(3, 5).join(' '))).toEqual([
      'ProtocolDefaulted spec.egress[0].ports[0]:',
      // Port 53 to the pods of acme-web, where no DNS server runs.
      'DNSNoServer spec.egress[0].to:',
      // TCP 53 only (the default protocol) and no UDP 53.
      'DNSOneProtocol spec.egress[0].ports:',
      'PolicyTypesDefaulted spec.policyTypes:',
    ]);
    expect(r.stdout).toContain('the API server sets [Ingress, Egress]: the selected pods are isolated for ingress too');
  });
});

describe('the requester', () => {
  const namespaceDoc = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: acme-new\n';

  it('--user/--group: alice in acme-devs creating a Namespace gets the owner label as a patch', async () => {
    const r = await run('check', '-f', tmp.write('ns-new.yaml', namespaceDoc), '--config', example('config.yaml'), '--user', 'alice', '--group', 'acme-devs', '-o', 'json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([{
      file: `${tmp.dir}/ns-new.yaml`,
      position: '1',
      kind: 'Namespace',
      namespace: null,
      name: 'acme-new',
      allowed: true,
      violations: [],
      relaxed: [],
      warnings: [],
      patch: [{ op: 'add', path: '/metadata/labels', value: { 'tenant-guard.io/tenant': 'acme' } }],
    }]);
  });

  it('the same Namespace by a user of no tenant is refused', async () => {
    const r = await run('check', '-f', tmp.write('ns-new2.yaml', namespaceDoc), '--config', example('config.yaml'), '--user', 'mallory', '--group', 'system:authenticated');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('  - metadata: Forbidden: mallory is not a member of any tenant, so the namespace would have no owner');
  });

  it('an admin group bypasses the rules', async () => {
    const r = await run('check', '-f', example('cross-tenant.yaml'), '--namespace', 'acme-web', '--tenant', 'acme', '--group', 'system:masters');
    expect(r.code).toBe(0);
  });
});

describe('enforcement modes (config enforcement)', () => {
  const config = (enforcement: string) => tmp.write(`enforcement-${enforcement.length}.yaml`, `tenants: [{name: acme, groups: [acme-devs]}, {name: globex, groups: [globex-devs]}]\nenforcement: ${enforcement}\n`);
  const open = () => tmp.write('open-ingress.yaml', 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: open}\nspec:\n  podSelector: {}\n  ingress: [{}]\n');

  it('a violation in warn mode is listed with its mode and exits 0; --strict fails it', async () => {
    const args = ['check', '-f', open(), '--namespace', 'acme-web', '--tenant', 'acme', '--config', config('{codes: {OpenRule: warn}}')];
    const r = await run(...args);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^ALLOWED NetworkPolicy acme-web\/open /);
    expect(lines[1]).toMatch(/^ {2}- \(warn\) spec\.ingress\[0\]: Forbidden: /);
    expect(lines.at(-1)).toBe('1 allowed, 0 denied; 1 allowed only by enforcement warn or dryrun');
    const strict = await run(...args, '--strict');
    expect(strict.code).toBe(1);
    expect(strict.stdout.split('\n')[0]).toMatch(/^FAILED {2}NetworkPolicy acme-web\/open /);
    expect(strict.stdout.split('\n').at(-1)).toBe('1 allowed, 0 denied; 1 allowed only by enforcement warn or dryrun (failed: --strict)');
  });

  it('-o json: relaxed violations carry their mode; a tenant in dryrun is not refused, the default still applies elsewhere', async () => {
    const cfg = config('{tenants: {globex: dryrun}}');
    const globex = await run('check', '-f', open(), '--namespace', 'globex-web', '--tenant', 'globex', '--config', cfg, '-o', 'json');
    expect(globex.code).toBe(0);
    const [result] = JSON.parse(globex.stdout) as { allowed: boolean; violations: unknown[]; relaxed: { code: string; mode: string }[] }[];
    expect(result!.allowed).toBe(true);
    expect(result!.violations).toEqual([]);
    expect(result!.relaxed.map((v) => [v.code, v.mode])).toEqual([['OpenRule', 'dryrun']]);
    const acme = await run('check', '-f', open(), '--namespace', 'acme-web', '--tenant', 'acme', '--config', cfg, '--strict');
    expect(acme.code).toBe(1);
    expect(acme.stdout).toMatch(/^DENIED /);
  });
});

describe('bad input: exit 2 and a message on stderr', () => {
  it('YAML that does not parse', async () => {
    const file = tmp.write('bad.yaml', 'apiVersion: v1\nkind: [Namespace\n');
    const r = await run('check', '-f', file);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^tenant-guard check: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: document 1: `));
  });

  it('a missing file', async () => {
    const file = tmp.write('present.yaml', '').replace('present', 'absent');
    const r = await run('check', '-f', file);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`tenant-guard check: cannot read ${file}: ENOENT`);
  });

  it('a missing --namespaces file', async () => {
    const r = await run('check', '-f', example('same-tenant.yaml'), '--namespaces', `${tmp.dir}/no-such-namespaces.yaml`);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`tenant-guard check: cannot read ${tmp.dir}/no-such-namespaces.yaml: ENOENT`);
  });

  it('a file with no objects', async () => {
    const file = tmp.write('empty.yaml', '# nothing here\n---\n');
    const r = await run('check', '-f', file);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`tenant-guard check: no Kubernetes objects in ${file}`);
  });

  it('a document that is not a mapping', async () => {
    const file = tmp.write('scalar.yaml', '- just\n- a list\n');
    const r = await run('check', '-f', file);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`tenant-guard check: ${file}: document 1 is not a Kubernetes object (a mapping)`);
  });

  it('a bad configuration: every problem, each with its path', async () => {
    const cfg = tmp.write('bad-config.yaml', 'tenantLable: tenant\nserver:\n  port: "8443"\n  maxInFlight: 0\ntenants:\n  - name: Acme\n');
    const r = await run('check', '-f', example('same-tenant.yaml'), '--config', cfg);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')).toEqual(expect.arrayContaining([
      'tenant-guard check: invalid configuration:',
      '  tenantLable: is not a known setting',
      '  server.port: must be integer',
      '  server.maxInFlight: must be >= 1',
      '  tenants[0].name: must match pattern "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"',
    ]));
    expect(r.stderr.split('\n')).toHaveLength(5);
  });

  it('a missing configuration file', async () => {
    const r = await run('check', '-f', example('same-tenant.yaml'), '--config', `${tmp.dir}/no-config.yaml`);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`tenant-guard check: invalid configuration:\n  (file): cannot read ${tmp.dir}/no-config.yaml: ENOENT`);
  });

  it.each([
    [['check', '-f', 'x.yaml', '--bogus'], 'tenant-guard check: unknown option \'--bogus\''],
    [['check', '-f', 'x.yaml', '--namepsace', 'acme-web'], 'tenant-guard check: unknown option \'--namepsace\'\n(Did you mean --namespace?)'],
    [['check'], 'tenant-guard check: check needs at least one -f FILE (a file, a folder, or - for standard input)'],
    [['check', '-f', 'x.yaml', '-o', 'xml'], 'tenant-guard check: -o, --output must be one of text, json, yaml, got "xml"'],
    [['check', '-f', 'x.yaml', '--operation', 'PATCH'], 'tenant-guard check: --operation must be one of CREATE, UPDATE, DELETE, got "PATCH"'],
    [['check', 'stray.yaml'], 'tenant-guard check: too many arguments for \'check\'. Expected 0 arguments but got 1.'],
  ])('usage error %j', async (argv, message) => {
    const r = await run(...argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(message);
    expect(r.stdout).toBe('');
  });

  it('an unknown command suggests the nearest one', async () => {
    const r = await run('chek', '-f', 'x.yaml');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('tenant-guard: unknown command \'chek\'\n(Did you mean check?)');
  });

  it('no command at all is a usage error with the usage on stderr; --help is not', async () => {
    const none = await run();
    expect(none.code).toBe(2);
    expect(none.stdout).toBe('');
    expect(none.stderr).toContain('Usage: tenant-guard [options] [command]');
    const help = await run('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^ {2}check \[options\] +the webhook's verdict for every document, offline$/m);
  });
});
