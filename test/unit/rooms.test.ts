/**
 * The house rules of src/, read from the import statements of every source
 * file (tests excluded): which room may import which (README, "Where things
 * are"), @kubernetes/client-node only in src/kube, and no import circles
 * between files.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const src = join(repo, 'src');

/**
 * What each room may import besides itself. A room not listed here (nor in
 * TOP) is only held to the rules for every room: nothing imports the CLI or
 * the composition root, and only src/kube imports client-node.
 */
const MAY_IMPORT: Record<string, readonly string[]> = {
  policy: [],
  telemetry: [],
  config: ['policy'],
  floor: ['config', 'policy'],
  kube: ['policy'],
  // policy for its vocabulary: the labels on the certificate Secret.
  certs: ['kube', 'policy'],
  admission: ['config', 'kube', 'policy'],
  server: ['admission', 'certs', 'config', 'kube', 'policy', 'telemetry'],
  baseline: ['config', 'kube', 'policy'],
  adoption: ['config', 'kube', 'policy'],
  audit: ['baseline', 'config', 'kube', 'policy', 'sharing'],
  reports: ['audit', 'baseline', 'config', 'kube', 'policy'],
  sharing: ['baseline', 'config', 'kube', 'policy'],
  reach: ['policy'],
  // The development cluster: its certificates from certs, the name label from the vocabulary.
  dev: ['certs', 'policy'],
};
/** The top: the commands and `npm run generate` (which renders the CLI reference) may import every room. */
const TOP = new Set(['cli', 'generate']);

interface Import {
  from: string;
  /** A relative import, resolved to a path under the repository; undefined for packages. */
  target: string | undefined;
  specifier: string;
  typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (p.endsWith('.ts') && !p.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const from = relative(repo, file);
  const out: Import[] = [];
  for (const m of text.matchAll(/^[ \t]*(import|export)\s+(type\s+)?([^;]*?)\s+from\s+'([^']+)'/gms)) {
    const specifier = m[4]!;
    const target = specifier.startsWith('.') ? relative(repo, resolve(dirname(file), specifier.replace(/\.js$/, '.ts'))) : undefined;
    out.push({ from, target, specifier, typeOnly: m[2] !== undefined });
  }
  return out;
}

/** `src/kube/rest.ts` → kube; `src/main.ts` → main. */
function roomOf(path: string): string {
  const parts = path.split('/');
  return parts.length > 2 ? parts[1]! : parts[1]!.replace(/\.ts$/, '');
}

const files = sourceFiles(src);
const imports = files.flatMap(importsOf);

describe('the rooms of src/', () => {
  it('reads the imports of every source file', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(imports.some((i) => i.from === 'src/main.ts' && i.target === 'src/kube/client.ts')).toBe(true);
  });

  it('imports @kubernetes/client-node only under src/kube', () => {
    const outside = imports.filter((i) => i.specifier === '@kubernetes/client-node' && roomOf(i.from) !== 'kube').map((i) => i.from);
    expect(outside).toEqual([]);
  });

  it('has no arrow from a lower room to a higher one', () => {
    const wrong: string[] = [];
    for (const i of imports) {
      if (i.target === undefined || !i.target.startsWith('src/')) continue;
      const from = roomOf(i.from);
      const to = roomOf(i.target);
      if (from === to || TOP.has(from)) continue;
      const allowed = MAY_IMPORT[from];
      const forbidden = allowed !== undefined ? !allowed.includes(to) : (to === 'cli' || (to === 'main' && from !== 'cli'));
      if (forbidden) wrong.push(`${i.from} imports ${i.target}`);
    }
    expect(wrong).toEqual([]);
  });

  it('has no import circles between files (type-only imports aside)', () => {
    const graph = new Map<string, string[]>();
    for (const i of imports) if (i.target !== undefined && !i.typeOnly) graph.set(i.from, [...(graph.get(i.from) ?? []), i.target]);
    const circles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (n: string): void => {
      state.set(n, 'open');
      stack.push(n);
      for (const d of graph.get(n) ?? []) {
        if (state.get(d) === 'open') {
          // Written from its smallest file, so a circle reads the same wherever the walk entered it.
          const loop = stack.slice(stack.indexOf(d));
          const first = loop.indexOf([...loop].sort()[0]!);
          circles.push([...loop.slice(first), ...loop.slice(0, first)].join(' > '));
        }
        else if (!state.has(d)) visit(d);
      }
      stack.pop();
      state.set(n, 'done');
    };
    for (const n of graph.keys()) if (!state.has(n)) visit(n);
    expect(circles).toEqual([]);
  });
});
