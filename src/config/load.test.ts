/**
 * The configuration contract: defaults make an empty file work, unknown keys
 * are rejected, and every bad field is reported with its path in one run.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configFromObject, configFromText, defaultConfig, formatConfigErrors, loadConfigFile, type ConfigError } from './load.js';

const DEFAULTS = {
  tenantLabel: 'tenant-guard.io/tenant',
  platform: { value: 'platform', namespaces: ['default', 'kube-system', 'kube-public', 'kube-node-lease'] },
  tenants: [],
  tenantGroupPrefix: 'tenant:',
  admins: { groups: ['system:masters'], users: [] },
  protectedCIDRs: ['10.244.0.0/16', '10.96.0.0/12'],
  cilium: { deniedEntities: ['all', 'cluster'] },
  allowSameTenantAcrossNamespaces: true,
  allowOpenEgress: false,
  namespacePrefix: false,
};

function errorsOf(input: unknown): ConfigError[] {
  const r = configFromObject(input);
  if (r.ok) throw new Error('expected the configuration to be refused');
  return r.errors;
}

describe('defaults', () => {
  it.each([
    // An empty file is a working configuration.
    ['empty mapping', {}],
    // An empty YAML document parses to null.
    ['null document', null],
    ['undefined', undefined],
  ])('%s gets every default', (_name, input) => {
    const r = configFromObject(input);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.config).toMatchObject(DEFAULTS);
  });

  it('defaultConfig() is the same and is frozen all the way down', () => {
    const c = defaultConfig();
    expect(c).toMatchObject(DEFAULTS);
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.platform.namespaces)).toBe(true);
    expect(Object.isFrozen(c.admins)).toBe(true);
  });

  it('fills defaults inside a partly written section and inside tenants', () => {
    const r = configFromObject({ platform: { value: 'infra' }, tenants: [{ name: 'acme' }], admins: { users: ['root'] } });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.platform).toEqual({ value: 'infra', namespaces: DEFAULTS.platform.namespaces });
    expect(r.config.tenants).toEqual([{ name: 'acme', groups: [], users: [], externalIPs: [], namespaces: [] }]);
    expect(r.config.admins).toEqual({ groups: ['system:masters'], users: ['root'] });
  });

  it('does not change the object it was given', () => {
    const input = { tenants: [{ name: 'acme' }] };
    configFromObject(input);
    expect(input).toEqual({ tenants: [{ name: 'acme' }] });
  });
});

describe('every field is accepted when valid', () => {
  it.each([
    // A label key with a DNS prefix and a slash.
    ['tenantLabel', { tenantLabel: 'example.com/team' }],
    // A label key without prefix.
    ['tenantLabel plain', { tenantLabel: 'team' }],
    ['platform', { platform: { value: 'infra', namespaces: ['kube-system', 'monitoring'] } }],
    ['tenants', { tenants: [{ name: 'acme', groups: ['acme-devs'], users: ['alice'] }, { name: 'globex' }] }],
    // The ranges a tenant's Services may use as external IPs: IPv4, IPv6, a single host.
    ['tenant externalIPs', { tenants: [{ name: 'acme', externalIPs: ['203.0.113.0/28', '2001:db8::/64', '198.51.100.7/32'] }] }],
    ['tenantGroupPrefix', { tenantGroupPrefix: 'team-' }],
    // An empty prefix turns group-based membership off.
    ['tenantGroupPrefix empty', { tenantGroupPrefix: '' }],
    ['admins', { admins: { groups: ['platform-team'], users: ['root'] } }],
    // IPv4, IPv6 and IPv4-mapped IPv6 ranges.
    ['protectedCIDRs', { protectedCIDRs: ['10.244.0.0/16', 'fd00:10:244::/56', '::ffff:10.96.0.0/108'] }],
    ['cilium', { cilium: { deniedEntities: ['all', 'cluster', 'host'] } }],
    ['booleans', { allowSameTenantAcrossNamespaces: false, allowOpenEgress: true, namespacePrefix: true }],
  ])('%s', (_name, input) => {
    const r = configFromObject(input);
    expect(r.ok ? [] : r.errors).toEqual([]);
    if (r.ok) expect(r.config).toMatchObject(input);
  });
});

describe('bad fields are reported with their path', () => {
  it.each<[string, unknown, string, RegExp]>([
    // Wrong type at the top.
    ['tenantLabel not a string', { tenantLabel: 5 }, 'tenantLabel', /must be string/],
    // Not a label key.
    ['tenantLabel invalid', { tenantLabel: 'Bad Key!' }, 'tenantLabel', /must match pattern/],
    ['platform.value uppercase', { platform: { value: 'Platform' } }, 'platform.value', /must match pattern/],
    ['platform.namespaces not a list', { platform: { namespaces: 'kube-system' } }, 'platform.namespaces', /must be array/],
    ['platform.namespaces duplicates', { platform: { namespaces: ['a', 'a'] } }, 'platform.namespaces', /duplicate/],
    ['platform unknown key', { platform: { extra: 1 } }, 'platform.extra', /is not a known setting/],
    ['platform null', { platform: null }, 'platform', /must be object/],
    ['tenant without name', { tenants: [{ groups: ['x'] }] }, 'tenants[0]', /required property 'name'/],
    ['tenant name invalid', { tenants: [{ name: 'Acme Corp' }] }, 'tenants[0].name', /must match pattern/],
    ['tenant unknown key', { tenants: [{ name: 'acme', teams: [] }] }, 'tenants[0].teams', /is not a known setting/],
    ['tenant groups not a list', { tenants: [{ name: 'acme', groups: 'devs' }] }, 'tenants[0].groups', /must be array/],
    ['tenant users empty string', { tenants: [{ name: 'acme', users: [''] }] }, 'tenants[0].users[0]', /fewer than 1/],
    ['tenant externalIPs not a CIDR', { tenants: [{ name: 'acme', externalIPs: ['203.0.113.0/28', 'lb-range'] }] }, 'tenants[0].externalIPs[1]', /not a CIDR/],
    ['tenant externalIPs prefix too long', { tenants: [{ name: 'acme' }, { name: 'globex', externalIPs: ['203.0.113.0/33'] }] }, 'tenants[1].externalIPs[0]', /not a CIDR/],
    // The floor's CEL cidr() needs a prefix length and takes no IPv4-mapped range.
    ['tenant externalIPs without a prefix', { tenants: [{ name: 'acme', externalIPs: ['198.51.100.7'] }] }, 'tenants[0].externalIPs[0]', /address\/prefix/],
    ['tenant externalIPs IPv4-mapped', { tenants: [{ name: 'acme', externalIPs: ['::ffff:192.0.2.0/120'] }] }, 'tenants[0].externalIPs[0]', /not a CIDR/],
    ['tenant externalIPs not a list', { tenants: [{ name: 'acme', externalIPs: '203.0.113.0/28' }] }, 'tenants[0].externalIPs', /must be array/],
    ['tenant entry not a mapping', { tenants: ['acme'] }, 'tenants[0]', /must be object/],
    // A tenant cannot take the platform value: it would own the platform's namespaces.
    ['tenant named like the platform', { tenants: [{ name: 'platform' }] }, 'tenants[0].name', /platform value/],
    ['tenant named like a custom platform value', { platform: { value: 'infra' }, tenants: [{ name: 'infra' }] }, 'tenants[0].name', /platform value/],
    ['duplicate tenants', { tenants: [{ name: 'acme' }, { name: 'acme' }] }, 'tenants[1].name', /duplicates tenants\[0\]/],
    ['tenantGroupPrefix not a string', { tenantGroupPrefix: ['tenant:'] }, 'tenantGroupPrefix', /must be string/],
    ['admins.groups item not a string', { admins: { groups: [1] } }, 'admins.groups[0]', /must be string/],
    ['admins unknown key', { admins: { group: ['x'] } }, 'admins.group', /is not a known setting/],
    ['protectedCIDRs prefix too long', { protectedCIDRs: ['10.0.0.0/33'] }, 'protectedCIDRs[0]', /not a CIDR/],
    ['protectedCIDRs IPv6 prefix too long', { protectedCIDRs: ['10.0.0.0/8', 'fd00::/129'] }, 'protectedCIDRs[1]', /not a CIDR/],
    ['protectedCIDRs not an address', { protectedCIDRs: ['pods'] }, 'protectedCIDRs[0]', /not a CIDR/],
    ['protectedCIDRs not a list', { protectedCIDRs: '10.0.0.0/8' }, 'protectedCIDRs', /must be array/],
    ['cilium.deniedEntities not a list', { cilium: { deniedEntities: 'all' } }, 'cilium.deniedEntities', /must be array/],
    ['cilium unknown key', { cilium: { denyEntities: [] } }, 'cilium.denyEntities', /is not a known setting/],
    ['allowSameTenantAcrossNamespaces not boolean', { allowSameTenantAcrossNamespaces: 'true' }, 'allowSameTenantAcrossNamespaces', /must be boolean/],
    ['allowOpenEgress not boolean', { allowOpenEgress: 'yes' }, 'allowOpenEgress', /must be boolean/],
    ['namespacePrefix not boolean', { namespacePrefix: 1 }, 'namespacePrefix', /must be boolean/],
    // The timing rules of leader election hold for every command, not only `controller`.
    ['renew deadline not below the lease duration', { controller: { leaderElection: { leaseDurationSeconds: 10, renewDeadlineSeconds: 10 } } }, 'controller.leaderElection.renewDeadlineSeconds', /shorter than leaseDurationSeconds \(10\), or two leaders could overlap/],
    ['retry period not below the renew deadline', { controller: { leaderElection: { retryPeriodSeconds: 10 } } }, 'controller.leaderElection.retryPeriodSeconds', /shorter than renewDeadlineSeconds \(10\)/],
    ['namespaceSelector set-based', { controller: { namespaceSelector: 'env in (a,b)' } }, 'controller.namespaceSelector', /not an equality-based label selector/],
    ['namespaceSelector trailing comma', { controller: { namespaceSelector: 'a=b,' } }, 'controller.namespaceSelector', /not an equality-based label selector/],
    // A typo never silently becomes a default.
    ['unknown top-level key', { tenantGroup: 'tenant:' }, 'tenantGroup', /is not a known setting/],
    ['root is a list', [], '(root)', /mapping of settings/],
    ['root is a string', 'tenants: []', '(root)', /mapping of settings/],
    ['root is a number', 42, '(root)', /mapping of settings/],
  ])('%s', (_name, input, path, message) => {
    const errors = errorsOf(input);
    const hit = errors.find((e) => e.path === path);
    expect(hit, `errors were ${JSON.stringify(errors)}`).toBeDefined();
    expect(hit!.message).toMatch(message);
  });

  it('reports every bad field of one file together, schema and semantic checks alike', () => {
    const errors = errorsOf({
      tenantLabel: 5,
      allowOpenEgress: 'no',
      tenants: [{ name: 'Acme' }, { name: 'globex' }, { name: 'globex' }, { name: 'platform' }],
      protectedCIDRs: ['10.244.0.0/16', 'nope'],
      bogus: 1,
      cilium: { deniedEntities: [3] },
    });
    expect(errors.map((e) => e.path).sort()).toEqual([
      'allowOpenEgress',
      'bogus',
      'cilium.deniedEntities[0]',
      'protectedCIDRs[1]',
      'tenantLabel',
      'tenants[0].name',
      'tenants[2].name',
      'tenants[3].name',
    ]);
  });

  it('reports a field the schema already refused once, not twice', () => {
    const errors = errorsOf({ protectedCIDRs: [''] });
    expect(errors.filter((e) => e.path === 'protectedCIDRs[0]')).toHaveLength(1);
  });
});

describe('rules that depend on other settings', () => {
  it('leader election timings are only judged when leader election is on', () => {
    const r = configFromObject({ controller: { leaderElection: { enabled: false, leaseDurationSeconds: 5, renewDeadlineSeconds: 5, retryPeriodSeconds: 5 } } });
    expect(r.ok ? [] : r.errors).toEqual([]);
  });

  it.each(['', ' ', 'rollout=baseline', 'a==b, c!=d', '!legacy', 'example.com/team', 'a=', ' a = b '])('namespaceSelector %j is accepted', (sel) => {
    const r = configFromObject({ controller: { namespaceSelector: sel } });
    expect(r.ok ? [] : r.errors).toEqual([]);
  });
});

describe('configFromText', () => {
  it.each([
    // YAML, with a comment.
    ['yaml', 'tenants:\n  - name: acme # the first tenant\n    groups: [acme-devs]\nnamespacePrefix: true\n'],
    // JSON is YAML.
    ['json', '{"tenants": [{"name": "acme", "groups": ["acme-devs"]}], "namespacePrefix": true}'],
  ])('reads %s', (_name, text) => {
    const r = configFromText(text);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.config.tenants).toEqual([{ name: 'acme', groups: ['acme-devs'], users: [], externalIPs: [], namespaces: [] }]);
      expect(r.config.namespacePrefix).toBe(true);
    }
  });

  it('an empty file is the defaults', () => {
    const r = configFromText('');
    expect(r.ok && r.config).toMatchObject(DEFAULTS);
  });

  it('text that is not YAML is one (file) error', () => {
    const r = configFromText('tenants: [\n');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors).toHaveLength(1);
      expect(r.errors[0]!.path).toBe('(file)');
      expect(r.errors[0]!.message).toMatch(/^not valid YAML or JSON/);
    }
  });

  it('paths of unknown keys that contain a slash are written as the key', () => {
    const r = configFromText('platform:\n  example.com/value: x\n');
    expect(r.ok ? [] : r.errors).toEqual([{ path: 'platform.example.com/value', message: 'is not a known setting' }]);
  });
});

describe('loadConfigFile', () => {
  it('no path means the defaults', async () => {
    const r = await loadConfigFile(undefined);
    expect(r.ok && r.config).toMatchObject(DEFAULTS);
  });

  it('reads a file and validates it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tg-config-'));
    try {
      const file = join(dir, 'config.yaml');
      await writeFile(file, 'tenants: [{name: acme}]\nallowOpenEgress: maybe\n');
      const r = await loadConfigFile(file);
      expect(r.ok ? [] : r.errors).toEqual([{ path: 'allowOpenEgress', message: 'must be boolean' }]);
      const missing = await loadConfigFile(join(dir, 'absent.yaml'));
      expect(missing.ok ? [] : missing.errors).toEqual([{ path: '(file)', message: `cannot read ${join(dir, 'absent.yaml')}: ENOENT` }]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('formatConfigErrors', () => {
  it('one line per error under a headline', () => {
    expect(formatConfigErrors([{ path: 'tenantLabel', message: 'must be string' }, { path: 'tenants[0].name', message: 'duplicates tenants[1]' }]))
      .toBe('invalid configuration:\n  tenantLabel: must be string\n  tenants[0].name: duplicates tenants[1]');
  });
});
