/**
 * The first thing the executable does: refuse an unsupported Node with one
 * line and exit 2, before anything that needs a newer Node is loaded. This
 * module and main.ts import nothing else, and are written in syntax old
 * Node versions parse, so the check itself runs on them.
 */

export const SUPPORTED_NODE_MAJOR = 24;

/** Why this Node cannot run tenant-guard, or undefined when it can. */
export function unsupportedNode(version: string): string | undefined {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1] ?? NaN);
  if (Number.isInteger(major) && major >= SUPPORTED_NODE_MAJOR) return undefined;
  return `tenant-guard needs Node ${SUPPORTED_NODE_MAJOR} or newer; this is Node ${version.replace(/^v/, '')} (run it with a newer node, or through npx/npm scripts, which use the project's pinned Node ${SUPPORTED_NODE_MAJOR})`;
}

export interface StartDeps {
  nodeVersion: string;
  argv: string[];
  /** argv[1]: the path it was started as (a link, a kubectl plugin name). */
  invokedAs: string | undefined;
  load: () => Promise<{ main(argv: string[], io: object, name: string): Promise<number>; invokedName(argv1: string | undefined): string }>;
  err: (line: string) => void;
}

export async function start(deps: StartDeps): Promise<number> {
  const problem = unsupportedNode(deps.nodeVersion);
  if (problem !== undefined) {
    deps.err(problem);
    return 2;
  }
  const program = await deps.load();
  return program.main(deps.argv, {}, program.invokedName(deps.invokedAs));
}
