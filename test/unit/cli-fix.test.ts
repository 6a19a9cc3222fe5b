/**
 * `check --fix` round trip: the corrected documents keep the author's order,
 * comments and untouched fields, and what --fix prints is allowed by check;
 * what cannot be fixed is named and the command exits 1. --in-place writes
 * the files back.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/program.js';

const POLICIES = `# Two policies a tenant wrote
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web # the web tier
  labels: {team: web}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
    - from:
        - namespaceSelector: {}   # everyone, by mistake
      ports: [{port: 8080}]
  egress:
    - to:
        - ipBlock: {cidr: 0.0.0.0/0}
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: api}
spec:
  endpointSelector: {matchLabels: {app: api}}
  ingress:
    - fromEntities: [cluster]
    - toPorts: [{ports: [{port: "443", protocol: TCP}]}]
`;

const CROSS = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: to-globex}
spec:
  podSelector: {}
  egress:
    - to:
        - namespaceSelector: {matchLabels: {tenant-guard.io/tenant: globex}}
        - namespaceSelector: {}
`;

let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'tg-fix-')); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => { out += `${s}\n`; }, err: (s) => { err += `${s}\n`; } });
  return { code, out, err };
}

const AS_ACME = ['--namespace', 'acme-web', '--tenant', 'acme', '--config', 'examples/config.yaml'];

describe('check --fix', () => {
  it('prints corrected documents that check allows, keeping comments and order', async () => {
    const file = join(dir, 'policies.yaml');
    await writeFile(file, POLICIES);
    expect((await run('check', '-f', file, ...AS_ACME)).code).toBe(1);
    const fixed = await run('check', '--fix', '-f', file, ...AS_ACME);
    expect(fixed.code).toBe(0);
    expect(fixed.err).toBe('');
    expect(fixed.out).toContain('# Two policies a tenant wrote');
    expect(fixed.out).toContain('name: web # the web tier');
    expect(fixed.out.indexOf('kind: NetworkPolicy')).toBeLessThan(fixed.out.indexOf('kind: CiliumNetworkPolicy'));
    expect(fixed.out).toContain('tenant-guard.io/tenant: acme');
    expect(fixed.out).toContain('10.244.0.0/16');
    const out = join(dir, 'fixed.yaml');
    await writeFile(out, fixed.out);
    expect((await run('check', '-f', out, ...AS_ACME)).code).toBe(0);
  });

  it('names what it could not fix and exits 1', async () => {
    const file = join(dir, 'cross.yaml');
    await writeFile(file, CROSS);
    const r = await run('check', '--fix', '-f', file, ...AS_ACME);
    expect(r.code).toBe(1);
    expect(r.err).toContain('not fixed: NetworkPolicy acme-web/to-globex');
    expect(r.err).toContain('spec.egress[0].to[0].namespaceSelector: Forbidden: selects namespaces of tenant globex');
    expect(r.err).not.toContain('to[1]');
  });

  it('--in-place writes the corrected file back', async () => {
    const file = join(dir, 'inplace.yaml');
    await writeFile(file, POLICIES);
    const r = await run('check', '--fix', '--in-place', '-f', file, ...AS_ACME);
    expect(r.code).toBe(0);
    expect(r.out).toBe('');
    const text = await readFile(file, 'utf8');
    expect(text).toContain('# everyone, by mistake');
    expect((await run('check', '-f', file, ...AS_ACME)).code).toBe(0);
  });

  it('--in-place alone is a usage error', async () => {
    const r = await run('check', '--in-place', '-f', join(dir, 'x.yaml'));
    expect(r.code).toBe(2);
  });
});
