// The esbuild options of the single-file CLI, shared by scripts/bundle.mjs (an
// ES module for any Node >= 24) and scripts/sea.mjs (a Node single executable,
// which Node 24 builds from a CommonJS script).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
export const version = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).version;

export function cliBuildOptions(format, outfile) {
  return {
    absWorkingDir: repo,
    entryPoints: ['src/cli/main.ts'],
    outfile,
    bundle: true,
    platform: 'node',
    format,
    target: 'node24',
    // Bundled CommonJS packages call require() for Node's own modules; an ES module has no require of its own.
    ...(format === 'esm' ? { banner: { js: "import { createRequire as __tenantGuardCreateRequire } from 'node:module';\nconst require = __tenantGuardCreateRequire(import.meta.url);" } } : {}),
    define: { TENANT_GUARD_VERSION: JSON.stringify(version) },
    legalComments: 'eof',
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: 'warning',
  };
}
