/**
 * What `check` reads, as kubectl reads it: folders (-R for sub-folders), `-`
 * for standard input, the -n namespace against the objects' own, the stored
 * objects of an UPDATE (--old), and -o json/yaml keeping each document's
 * file and position. In-process through main().
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { example, run, runWithInput, tempDir } from './cli-support.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const CROSS = example('cross-tenant.yaml');
const SAME = example('same-tenant.yaml');
const AS_ACME = ['--namespace', 'acme-web', '--tenant', 'acme'];

function verdictLines(stdout: string): string[] {
  return stdout.split('\n').filter((l) => /^(ALLOWED|DENIED)/.test(l));
}

describe('-f FOLDER', () => {
  const dir = join(tmp.dir, 'manifests');
  mkdirSync(join(dir, 'nested'), { recursive: true });
  writeFileSync(join(dir, 'b-same.yml'), `# allowed\n${'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: b\nspec:\n  podSelector: {}\n'}`);
  writeFileSync(join(dir, 'a-cross.yaml'), 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: a\nspec:\n  podSelector: {}\n  ingress:\n    - from:\n        - namespaceSelector:\n            matchLabels:\n              tenant-guard.io/tenant: globex\n');
  writeFileSync(join(dir, 'c.json'), JSON.stringify({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'c' }, spec: { podSelector: {} } }));
  writeFileSync(join(dir, 'notes.txt'), 'not a manifest: kubectl skips it\n');
  writeFileSync(join(dir, 'nested', 'd.yaml'), 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: d\nspec:\n  podSelector: {}\n');

  it('reads the folder\'s .yaml, .yml and .json files in name order, not sub-folders', async () => {
    const r = await run('check', '-f', dir, ...AS_ACME);
    expect(r.code, r.stderr).toBe(1);
    expect(verdictLines(r.stdout)).toEqual([
      `DENIED  NetworkPolicy acme-web/a (${join(dir, 'a-cross.yaml')}#1)`,
      `ALLOWED NetworkPolicy acme-web/b (${join(dir, 'b-same.yml')}#1)`,
      `ALLOWED NetworkPolicy acme-web/c (${join(dir, 'c.json')}#1)`,
    ]);
  });

  it('-R reads sub-folders too', async () => {
    const r = await run('check', '-R', '-f', dir, ...AS_ACME);
    expect(verdictLines(r.stdout).at(-1)).toBe(`ALLOWED NetworkPolicy acme-web/d (${join(dir, 'nested', 'd.yaml')}#1)`);
    expect(verdictLines(r.stdout)).toHaveLength(4);
  });

  it('a folder with no manifests is bad input', async () => {
    const empty = join(tmp.dir, 'empty');
    mkdirSync(empty);
    const r = await run('check', '-f', empty);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`tenant-guard check: ${empty} is a folder with no .yaml, .yml or .json files (-R reads sub-folders)`);
  });
});

describe('-f - (standard input)', () => {
  it('judges what arrives on standard input, named "-"', async () => {
    const r = await runWithInput(readFileSync(CROSS, 'utf8'), 'check', '-f', '-', ...AS_ACME);
    expect(r.code).toBe(1);
    expect(verdictLines(r.stdout)).toEqual(['DENIED  NetworkPolicy acme-web/allow-from-globex (-#1)']);
  });

  it('standard input can be read only once', async () => {
    const r = await runWithInput('', 'check', '-f', '-', '-f', '-');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('tenant-guard check: standard input (-f -) can be read only once');
  });
});

describe('-n against the objects\' own namespace', () => {
  const inGlobex = tmp.write('in-globex.yaml', 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: p\n  namespace: globex-db\nspec:\n  podSelector: {}\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: q\n  namespace: acme-web\nspec:\n  podSelector: {}\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: r\n  namespace: globex-api\nspec:\n  podSelector: {}\n');

  it('an object naming another namespace is an error, as kubectl makes it: every such object, exit 2', async () => {
    const r = await run('check', '-f', inGlobex, ...AS_ACME);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')).toEqual([
      `tenant-guard check: ${inGlobex}#1 NetworkPolicy p: the namespace from the provided object "globex-db" does not match the namespace "acme-web" (pass --namespace globex-db, or remove metadata.namespace)`,
      `${inGlobex}#3 NetworkPolicy r: the namespace from the provided object "globex-api" does not match the namespace "acme-web" (pass --namespace globex-api, or remove metadata.namespace)`,
    ]);
  });

  it('without -n each object is judged in its own namespace', async () => {
    const r = await run('check', '-f', inGlobex, '--config', example('config.yaml'));
    expect(verdictLines(r.stdout).map((l) => l.replace(/^\S+\s+/, '').replace(/ \(.*$/, ''))).toEqual(['NetworkPolicy globex-db/p', 'NetworkPolicy acme-web/q', 'NetworkPolicy globex-api/r']);
  });
});

describe('--old: the stored objects of an UPDATE', () => {
  const stored = tmp.write('stored.yaml', 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: acme-web\n  labels: {tenant-guard.io/tenant: acme, team: web}\n');
  const moved = tmp.write('moved.yaml', 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: acme-web\n  labels: {tenant-guard.io/tenant: globex, team: web}\n');
  const asBob = ['--config', example('config.yaml'), '--user', 'bob', '--group', 'globex-devs'];

  it('a tenant relabelling another tenant\'s namespace is refused only when check knows what is stored', async () => {
    const blind = await run('check', '-f', moved, '--operation', 'UPDATE', ...asBob);
    expect(blind.code).toBe(0);
    const r = await run('check', '-f', moved, '--old', stored, ...asBob);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('  - metadata.name: Forbidden: namespace "acme-web" belongs to tenant acme; you cannot change it (fix: ask tenant acme or the platform team)');
  });

  it('--old makes the operation UPDATE, and refuses any other', async () => {
    const r = await run('check', '-f', moved, '--old', stored, '--operation', 'create', ...asBob);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('tenant-guard check: --old gives the stored objects of an UPDATE; it does not go with --operation CREATE');
  });

  it('every object needs its stored version, matched by kind, namespace and name', async () => {
    const other = tmp.write('other.yaml', 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: acme-api\n');
    const r = await run('check', '-f', moved, '--old', other, ...asBob);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`tenant-guard check: ${moved}#1 Namespace acme-web: no Namespace acme-web in --old to update (an UPDATE needs the stored object; check new objects without --old)`);
  });
});

describe('-o json and -o yaml keep each document\'s file and position', () => {
  const list = tmp.write('list.yaml', `apiVersion: v1\nkind: List\nitems:\n${['x', 'y'].map((n) => `- apiVersion: networking.k8s.io/v1\n  kind: NetworkPolicy\n  metadata: {name: ${n}}\n  spec: {podSelector: {}}\n`).join('')}---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: z}\nspec: {podSelector: {}}\n`);

  it('json: file and position of every object, List items as document.item', async () => {
    const r = await run('check', '-f', list, '-f', CROSS, ...AS_ACME, '-o', 'json');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { file: string; position: string; name: string; allowed: boolean }[];
    expect(report.map((o) => [o.file, o.position, o.name, o.allowed])).toEqual([
      [list, '1.1', 'x', true],
      [list, '1.2', 'y', true],
      [list, '2', 'z', true],
      [CROSS, '1', 'allow-from-globex', false],
    ]);
  });

  it('yaml: the same report', async () => {
    const json = JSON.parse((await run('check', '-f', list, '-f', SAME, ...AS_ACME, '-o', 'json')).stdout) as unknown;
    const yaml = await run('check', '-f', list, '-f', SAME, ...AS_ACME, '-o', 'yaml');
    expect(yaml.code).toBe(0);
    expect(parse(yaml.stdout)).toEqual(json);
  });
});
