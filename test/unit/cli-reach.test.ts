import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { example, run, tempDir } from './cli-support.js';

const reach = (...argv: string[]) => run('reach', ...argv);

const cluster = example('reach/cluster.yaml');
const config = example('config.yaml');

describe('tenant-guard reach', () => {
  it('lists the example cluster\'s connections, and exits 1 for the one between tenants', async () => {
    const r = await reach('-f', cluster, '--config', config);
    expect(r.stdout.split('\n')).toEqual([
      '0.0.0.0-255.255.255.255[External] => kube-system/coredns[Deployment] : All Connections',
      'acme-db/postgres[StatefulSet] => kube-system/coredns[Deployment] : TCP 53,UDP 53',
      'acme-web/web[Deployment] => 0.0.0.0-255.255.255.255[External] : All Connections',
      'acme-web/web[Deployment] => acme-db/postgres[StatefulSet] : All Connections',
      'acme-web/web[Deployment] => globex-api/api[Deployment] : TCP 8443',
      'acme-web/web[Deployment] => kube-system/coredns[Deployment] : All Connections',
      'globex-api/api[Deployment] => 0.0.0.0-255.255.255.255[External] : All Connections',
      'globex-api/api[Deployment] => kube-system/coredns[Deployment] : All Connections',
      'kube-system/coredns[Deployment] => 0.0.0.0-255.255.255.255[External] : All Connections',
      'kube-system/coredns[Deployment] => acme-db/postgres[StatefulSet] : All Connections',
      'kube-system/coredns[Deployment] => acme-web/web[Deployment] : All Connections',
      'kube-system/coredns[Deployment] => globex-api/api[Deployment] : All Connections',
    ]);
    expect(r.code).toBe(1);
  });

  it('exits 0 when no tenant reaches another', async () => {
    const t = tempDir();
    try {
      const text = readFileSync(cluster, 'utf8').split('\n---\n').filter((d) => !d.includes('api-allow-partners')).join('\n---\n');
      const file = t.write('isolated.yaml', text);
      expect((await reach('-f', file, '--config', config)).code).toBe(0);
      const m = await reach('-f', file, '--config', config, '--tenants', '-o', 'json');
      expect(m.code).toBe(0);
      const json = JSON.parse(m.stdout);
      expect(json.crossTenantOpen).toBe(0);
      expect(json.cells.find((c: { from: string; to: string }) => c.from === 'acme' && c.to === 'globex').state).toBe('isolated');
    } finally {
      t.cleanup();
    }
  });

  it('the matrix names the rule that opens a cell, in text, JSON, SVG and HTML', async () => {
    const text = await reach('-f', cluster, '--config', config, '--tenants');
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('acme -> globex: named port TCP/https');
    expect(text.stdout).toContain('ingress: globex-api/api-allow-partners spec.ingress[0].from[0]');
    const json = JSON.parse((await reach('-f', cluster, '--config', config, '--tenants', '-o', 'json')).stdout);
    expect(json.cells.find((c: { from: string; to: string }) => c.from === 'acme' && c.to === 'globex')).toMatchObject({ state: 'open', examples: ['acme-web -> globex-api'] });
    const svg = (await reach('-f', cluster, '--config', config, '--tenants', '-o', 'svg')).stdout;
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain('1 cross-tenant path open.');
    const html = (await reach('-f', cluster, '--config', config, '--tenants', '-o', 'html')).stdout;
    expect(html).toContain('<svg');
    expect(html).toContain('<td>acme</td><td>globex</td>');
  });

  it('connlist as md, csv, json and dot (grouped by namespace)', async () => {
    const md = (await reach('-f', cluster, '-o', 'md')).stdout.split('\n');
    expect(md[0]).toBe('| src | dst | conn |');
    expect(md).toContain('| acme-web/web[Deployment] | globex-api/api[Deployment] | TCP 8443 |');
    const csv = (await reach('-f', cluster, '-o', 'csv')).stdout.split('\n');
    expect(csv).toContain('acme-db/postgres[StatefulSet],kube-system/coredns[Deployment],"TCP 53,UDP 53"');
    expect(JSON.parse((await reach('-f', cluster, '-o', 'json')).stdout)).toContainEqual({ src: 'acme-web/web[Deployment]', dst: 'globex-api/api[Deployment]', conn: 'TCP 8443' });
    const dot = (await reach('-f', cluster, '-o', 'dot')).stdout;
    expect(dot).toMatch(/subgraph cluster_\d+ \{\n\t\tlabel="acme-db"/);
    expect(dot).toContain('"acme-web/web[Deployment]" -> "globex-api/api[Deployment]" [label="TCP 8443"');
  });

  it('reads folders, typed lists without item kinds, and skips files that hold no objects', async () => {
    const t = tempDir();
    try {
      t.write('pods.json', JSON.stringify({ apiVersion: 'v1', kind: 'PodList', items: [{ metadata: { name: 'a', namespace: 'x', labels: { app: 'a' } } }, { metadata: { name: 'b', namespace: 'x' } }] }));
      t.write('ns.yaml', 'apiVersion: v1\nkind: NamespaceList\nitems:\n- metadata: { name: x, labels: { team: t } }\n');
      t.write('output.json', '[{"src": "a", "dst": "b"}]');
      t.write('deny.yaml', 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: d, namespace: x }\nspec: { podSelector: { matchLabels: { app: a } } }\n');
      const r = await reach('-f', t.dir);
      expect(r.stderr).toContain('skipped');
      expect(r.stdout.split('\n')).toEqual([
        '0.0.0.0-255.255.255.255[External] => x/b[Pod] : All Connections',
        'x/a[Pod] => 0.0.0.0-255.255.255.255[External] : All Connections',
        'x/a[Pod] => x/b[Pod] : All Connections',
        'x/b[Pod] => 0.0.0.0-255.255.255.255[External] : All Connections',
      ]);
    } finally {
      t.cleanup();
    }
  });

  it('CiliumNetworkPolicies are evaluated (new namespaces get the Cilium baseline); a part it cannot read keeps isolation unproven', async () => {
    const t = tempDir();
    try {
      const cfg = t.write('cilium.yaml', 'tenants: [ { name: acme }, { name: globex } ]\nbaseline: { flavour: cilium }\n');
      const isolate = (ns: string, tenant: string) => [
        'apiVersion: v1', 'kind: Namespace', `metadata: { name: ${ns}, labels: { tenant-guard.io/tenant: ${tenant} } }`, '---',
        'apiVersion: cilium.io/v2', 'kind: CiliumNetworkPolicy', `metadata: { name: tenant-guard-isolate, namespace: ${ns} }`,
        'spec:', '  endpointSelector: {}', '  ingress:',
        `    - fromEndpoints: [ {}, { matchLabels: { k8s:io.cilium.k8s.namespace.labels.tenant-guard.io/tenant: ${tenant} } } ]`,
      ].join('\n');
      const file = t.write('cnp.yaml', `${isolate('acme-web', 'acme')}\n---\n${isolate('globex-api', 'globex')}\n`);
      const isolated = await reach('-f', file, '--config', cfg, '--tenants', '-o', 'json');
      expect(isolated.stderr).toBe('');
      expect(isolated.code).toBe(0);
      expect(JSON.parse(isolated.stdout).ciliumPolicies).toBe(2);
      const services = t.write('services.yaml', [
        'apiVersion: cilium.io/v2', 'kind: CiliumNetworkPolicy', 'metadata: { name: via-service, namespace: acme-web }',
        'spec:', '  endpointSelector: {}', '  egress:', '    - toServices: [ { k8sService: { serviceName: api, namespace: globex-api } } ]',
      ].join('\n'));
      const unproven = await reach('-f', file, '-f', services, '--config', cfg, '--tenants');
      expect(unproven.code).toBe(1);
      expect(unproven.stdout).toContain('no cross-tenant path');
      expect(unproven.stderr).toContain('  CiliumNetworkPolicy acme-web/via-service: spec.egress[0].toServices');
    } finally {
      t.cleanup();
    }
  });

  it('exits 2 on bad input, naming every bad field', async () => {
    const t = tempDir();
    try {
      const file = t.write('bad.yaml', 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: p, namespace: a }\nspec:\n  podSelector: {}\n  ingress:\n  - ports: [ { port: 99999 } ]\n  - from: [ { ipBlock: { cidr: nonsense } } ]\n');
      const r = await reach('-f', file);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('spec.ingress[0].ports[0].port: must be a port number 1-65535 or a container port name');
      expect(r.stderr).toContain('spec.ingress[1].from[0].ipBlock: cidr "nonsense" is not a CIDR');
      const format = await reach('-f', cluster, '-o', 'html');
      expect(format.code).toBe(2);
      expect(format.stderr).toMatch(/-o must be one of connlist/);
      const missing = await reach('-f', t.dir + '/missing.yaml');
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/cannot read/);
      expect((await reach('-f', cluster, '--tenants', '--connections')).code).toBe(2);
    } finally {
      t.cleanup();
    }
  });
});
