/**
 * `tenant-guard check` and cidrGroupRef, offline: the CiliumCIDRGroup
 * documents among the -f inputs stand for the cluster's groups (a group that
 * stays outside the cluster's ranges is allowed, one that reaches them is
 * refused as a CIDR would be); a group that is not among the inputs is
 * refused (fail closed), and the refusal says it was unknown offline and how
 * to supply it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { run, tempDir } from './cli-support.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const policy = `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: to-partners
spec:
  endpointSelector: {}
  egress:
    - toCIDRSet:
        - cidrGroupRef: partners
`;

const group = (cidrs: string[]) => `apiVersion: cilium.io/v2
kind: CiliumCIDRGroup
metadata:
  name: partners
spec:
  externalCIDRs: [${cidrs.map((c) => JSON.stringify(c)).join(', ')}]
`;

const ref = 'spec.egress[0].toCIDRSet[0].cidrGroupRef';
const asAcme = ['--namespace', 'acme-web', '--tenant', 'acme', '-o', 'json'];

interface Result { kind: string; allowed: boolean; violations: { code: string; path: string; message: string; fix: string }[] }

async function check(...files: string[]): Promise<{ code: number; results: Result[] }> {
  const r = await run('check', ...files.flatMap((f) => ['-f', f]), ...asAcme);
  return { code: r.code, results: JSON.parse(r.stdout) as Result[] };
}

describe('check: cidrGroupRef against the CiliumCIDRGroups among its inputs', () => {
  it('a group outside the cluster\'s ranges: the policy is allowed (the group itself is the platform\'s to apply)', async () => {
    const { code, results } = await check(tmp.write('group-outside.yaml', group(['203.0.113.0/24'])), tmp.write('policy.yaml', policy));
    expect(code).toBe(1);
    expect(results.map((r) => [r.kind, r.allowed])).toEqual([['CiliumCIDRGroup', false], ['CiliumNetworkPolicy', true]]);
    expect(results[0]?.violations.map((v) => v.code)).toEqual(['ClusterScopedPolicy']);
  });

  it('a group reaching the pod range: the policy is refused as the CIDR would be', async () => {
    const { results } = await check(tmp.write('policy.yaml', policy), tmp.write('group-inside.yaml', group(['10.244.3.0/24'])));
    const cnp = results.find((r) => r.kind === 'CiliumNetworkPolicy');
    expect(cnp?.violations.map((v) => `${v.code}@${v.path}`)).toEqual([`CIDRProtected@${ref}`]);
  });

  it('a group that is not among the inputs: refused, saying it was unknown offline and how to supply it', async () => {
    const { code, results } = await check(tmp.write('policy.yaml', policy));
    expect(code).toBe(1);
    expect(results[0]?.violations).toEqual([{
      code: 'CIDRGroupUnknown',
      path: ref,
      segments: ['spec', 'egress', 0, 'toCIDRSet', 0, 'cidrGroupRef'],
      message: 'names CiliumCIDRGroup "partners", whose addresses cannot be established (check reads CiliumCIDRGroups only from its -f inputs, offline, and none of them is named "partners"); tenant-guard refuses rather than guess',
      fix: 'add the group to the inputs (kubectl get ciliumcidrgroup partners -o yaml > partners.yaml, then check -f partners.yaml -f <policy>), or write the addresses with cidr and except',
    }]);
  });
});
