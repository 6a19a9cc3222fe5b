/**
 * The executable's first step (src/cli/start.ts): an unsupported Node gets
 * one line and exit 2 before the program, and whatever it imports, is loaded;
 * a supported one runs the program under the name it was started as.
 */
import { describe, expect, it } from 'vitest';
import { start, SUPPORTED_NODE_MAJOR, unsupportedNode } from '../../src/cli/start.js';

function deps(nodeVersion: string, invokedAs = '/usr/local/bin/tenant-guard') {
  const lines: string[] = [];
  const calls: { argv: string[]; name: string }[] = [];
  let loaded = 0;
  return {
    lines,
    calls,
    loaded: () => loaded,
    deps: {
      nodeVersion,
      argv: ['check', '-f', 'x.yaml'],
      invokedAs,
      err: (l: string) => lines.push(l),
      load: () => {
        loaded++;
        return Promise.resolve({
          main: (argv: string[], _io: object, name: string) => {
            calls.push({ argv, name });
            return Promise.resolve(1);
          },
          invokedName: (a: string | undefined) => (a?.endsWith('kubectl-tenant_guard') === true ? 'kubectl tenant-guard' : 'tenant-guard'),
        });
      },
    },
  };
}

describe('the Node version check', () => {
  it.each(['20.11.1', '22.12.0', '23.11.0', 'v18.20.4', '0.12.18'])('Node %s: one line, exit 2, nothing loaded', async (version) => {
    const d = deps(version);
    expect(await start(d.deps)).toBe(2);
    expect(d.loaded()).toBe(0);
    expect(d.lines).toEqual([`tenant-guard needs Node ${SUPPORTED_NODE_MAJOR} or newer; this is Node ${version.replace(/^v/, '')} (run it with a newer node, or through npx/npm scripts, which use the project's pinned Node ${SUPPORTED_NODE_MAJOR})`]);
  });

  it.each(['24.0.0', '24.21.0', '25.1.0', '30.0.0-pre'])('Node %s runs the program with the arguments and its exit code', async (version) => {
    const d = deps(version, '/home/u/.krew/bin/kubectl-tenant_guard');
    expect(await start(d.deps)).toBe(1);
    expect(d.lines).toEqual([]);
    expect(d.calls).toEqual([{ argv: ['check', '-f', 'x.yaml'], name: 'kubectl tenant-guard' }]);
  });

  it('a version it cannot read is not supported', () => {
    expect(unsupportedNode('unknown')).toMatch(/^tenant-guard needs Node 24 or newer; this is Node unknown/);
    expect(unsupportedNode(process.versions.node)).toBeUndefined();
  });
});
