// The esbuild options of the single-file CLI, shared by scripts/bundle.mjs (an
// ES module for any Node >= 24: what `npm run build` makes, the package's
// bin and the container image run), scripts/sea.mjs (a Node single
// executable, which Node 24 builds from a CommonJS script) and the webhook
// benchmark (bench/run.mjs runs its servers bundled the same way).
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
export const version = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).version;

/**
 * The V8 settings the container image starts the bundle with (Dockerfile
 * ENTRYPOINT), for the memory budget (idle ≤ 100 MiB, ≤ 160 under load) at
 * the least CPU (bench/README.md measures each choice):
 *  - a young generation of at most 8 MiB per semi-space (V8's default grows
 *    to 16): the garbage a request leaves is short-lived, and a young
 *    generation three times that size is resident once a burst has grown it;
 *  - an old generation that grows by 20 % when it fills instead of V8's
 *    default factor (up to 4x): without a bound the bench's load ended at
 *    about 240 MiB resident with 13 MiB of heap after a collection;
 *  - --expose-gc, so the process can collect its start-up garbage once it
 *    has settled (src/telemetry/startup-gc.ts); nothing else calls it.
 * --optimize-for-size bounded the memory as well, at up to twice the CPU per
 * request on the largest policies; it is no longer used.
 */
export const IMAGE_NODE_FLAGS = ['--max-semi-space-size=8', '--heap-growing-percent=20', '--expose-gc'];

/**
 * The environment the image sets for node (Dockerfile ENV), for the same
 * budget. MALLOC_ARENA_MAX=2: glibc gives each thread that allocates (libuv's
 * pool, V8's compiler and GC helpers) an arena of its own, up to eight per
 * core, and each keeps the pages it touched; two arenas held an idle
 * `serve --controller` about 4.5 MiB smaller against a small cluster
 * (bench/README.md). Node's main thread does almost all the allocating, so
 * threads seldom wait for an arena. MALLOC_MMAP_THRESHOLD_=32768: blocks of
 * 32 KiB and more get pages of their own, returned when freed; without it
 * glibc raises the threshold as large blocks come and go, and freed large
 * blocks (V8 reported up to 20 MiB malloced at a peak, most likely its
 * compiler's zones) stayed in the arenas: the bench's load ended about
 * 10-15 MiB higher and idle about 12 MiB higher (bench/README.md).
 */
export const IMAGE_ENV = { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '32768' };

/** Bundled code must be ASCII: one other character anywhere (a licence comment) makes V8 keep the whole source as UTF-16, twice its size. */
export function asciiOnly(text) {
  // esbuild already escapes every string, template and regular expression (charset: ascii); only comments can hold more.
  return text.replace(/[\u0080-\u{10ffff}]/gu, (c) => `\\u{${c.codePointAt(0).toString(16)}}`);
}

/**
 * Node's own modules, imported by the bundle's ES modules, are loaded through
 * require() instead. An ES import of a built-in makes Node build its ES facade,
 * which reads every export, lazy getters included: `import … from 'node:http'`
 * reads http.WebSocket and so loads Node's internal fetch and WebSocket
 * implementation (undici, about 650 KB of source and the objects it builds)
 * that nothing here uses, because client-node brings its own undici.
 * require() returns the module object and reads nothing. (The import that
 * did it is agent-base's `import * as http from 'http'`, through client-node's
 * SOCKS proxy support.)
 */
const BUILTIN = new RegExp(`^(node:.*|${builtinModules.join('|')})$`);

export const builtinsThroughRequire = {
  name: 'builtins-through-require',
  setup(b) {
    b.onResolve({ filter: BUILTIN }, (args) => (args.kind === 'import-statement' ? { path: args.path, namespace: 'builtin-through-require' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'builtin-through-require' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
  },
};

/** Options for build(); it returns the output files (write: false), written by writeOutputs. */
export function cliBuildOptions(format, outfile, entry = 'src/cli/main.ts') {
  return {
    absWorkingDir: repo,
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format,
    target: 'node24',
    charset: 'ascii',
    // Bundled CommonJS packages call require() for Node's own modules; an ES module has no require of its own.
    ...(format === 'esm' ? { banner: { js: "import { createRequire as __tenantGuardCreateRequire } from 'node:module';\nconst require = __tenantGuardCreateRequire(import.meta.url);" }, plugins: [builtinsThroughRequire] } : {}),
    define: { TENANT_GUARD_VERSION: JSON.stringify(version) },
    legalComments: 'eof',
    // Identifiers too: the source text stays in memory for the life of the process (about 7 MiB less resident).
    minify: true,
    // Not keepNames: naming every function and class at start costs about 10 MiB resident; nothing
    // here reads a constructor's name (errors carry their messages, and stack traces are not logged).
    logLevel: 'warning',
    write: false,
  };
}

/** Writes what build() returned (with write: false), ASCII only. */
export async function writeOutputs(result) {
  const { mkdirSync, writeFileSync } = await import('node:fs');
  for (const f of result.outputFiles) {
    mkdirSync(dirname(f.path), { recursive: true });
    writeFileSync(f.path, asciiOnly(f.text));
  }
}
