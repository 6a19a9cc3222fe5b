/** The CLI's version: package.json's, or the one the single-file build wrote in. */
import { readFileSync } from 'node:fs';

// Defined by scripts/bundle.mjs for the single-file build, which ships without package.json.
declare const TENANT_GUARD_VERSION: string | undefined;

export function cliVersion(): string {
  if (typeof TENANT_GUARD_VERSION === 'string') return TENANT_GUARD_VERSION;
  // src/cli/version.ts and dist/cli/version.js both sit two folders below the package root.
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}
