#!/usr/bin/env node
// The kubectl plugin as krew installs it: the single-file CLI (scripts/bundle.mjs)
// as `kubectl-tenant_guard` in a .tar.gz, and the krew manifest naming the
// archive's sha256. The archive is byte-for-byte reproducible (fixed order,
// times and owners), so a manifest can be checked against a rebuilt archive.
//   node scripts/krew-package.mjs [--out DIR] [--manifest FILE] [--base-url URL]
// Defaults: dist/krew, plugins/tenant-guard.yaml, and the project's release
// downloads for this version. Locally: kubectl krew install
//   --manifest=plugins/tenant-guard.yaml --archive=dist/krew/tenant-guard-vX.Y.Z.tar.gz
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 && args[at + 1] !== undefined ? args[at + 1] : fallback;
};
const { version } = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
const tag = `v${version}`;
const outDir = flag('--out', join(repo, 'dist', 'krew'));
const manifestPath = flag('--manifest', join(repo, 'plugins', 'tenant-guard.yaml'));
const baseUrl = flag('--base-url', `https://github.com/tenant-guard/tenant-guard/releases/download/${tag}`).replace(/\/+$/, '');
const BIN = 'kubectl-tenant_guard';

/** One ustar header field: octal, NUL-terminated, zero-padded. */
function octal(n, width) {
  return `${n.toString(8).padStart(width - 1, '0')}\0`;
}

/** A tar archive of regular files, every owner and time fixed. */
function tar(files) {
  const blocks = [];
  for (const { name, mode, data } of files) {
    const h = Buffer.alloc(512);
    h.write(name, 0, 100, 'utf8');
    h.write(octal(mode, 8), 100, 'ascii');
    h.write(octal(0, 8), 108, 'ascii');
    h.write(octal(0, 8), 116, 'ascii');
    h.write(octal(data.length, 12), 124, 'ascii');
    h.write(octal(0, 12), 136, 'ascii');
    h.write('        ', 148, 'ascii');
    h.write('0', 156, 'ascii');
    h.write('ustar\0', 257, 'ascii');
    h.write('00', 263, 'ascii');
    h.write('root', 265, 'ascii');
    h.write('root', 297, 'ascii');
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
    blocks.push(h, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

mkdirSync(outDir, { recursive: true });
const bundle = join(outDir, 'tenant-guard.mjs');
execFileSync(process.execPath, [join(repo, 'scripts', 'bundle.mjs'), '--outfile', bundle], { stdio: 'inherit' });
const archiveName = `tenant-guard-${tag}.tar.gz`;
// Node's gzip writes no time and no name in its header: the same input gives the same bytes.
const archive = gzipSync(tar([{ name: BIN, mode: 0o755, data: readFileSync(bundle) }]), { level: 9 });
writeFileSync(join(outDir, archiveName), archive);
const sha256 = createHash('sha256').update(archive).digest('hex');

const manifest = `# krew plugin manifest, written by scripts/krew-package.mjs (npm run package:krew) with the archive's sha256.
apiVersion: krew.googlecontainertools.github.com/v1alpha2
kind: Plugin
metadata:
  name: tenant-guard
spec:
  version: ${tag}
  homepage: https://github.com/tenant-guard/tenant-guard
  shortDescription: Check network policies for tenant isolation, offline or against the cluster
  description: |
    tenant-guard's command line as a kubectl plugin. "kubectl tenant-guard check -f DIR -n NS"
    gives the admission webhook's verdict offline for every document (the field, the reason
    and the fix for each violation); "kubectl tenant-guard audit" lists what exists in the
    cluster that the webhook would refuse today and the namespaces missing their baseline.
  caveats: |
    The plugin is one JavaScript file: it needs Node 24 or newer as "node" on PATH.
  platforms:
    - selector:
        matchExpressions:
          - key: os
            operator: In
            values: [linux, darwin]
      uri: ${baseUrl}/${archiveName}
      sha256: ${sha256}
      bin: ${BIN}
`;
mkdirSync(dirname(manifestPath), { recursive: true });
writeFileSync(manifestPath, manifest);
console.log(`wrote ${join(outDir, archiveName)} (sha256 ${sha256}) and ${manifestPath}`);
