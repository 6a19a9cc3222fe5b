/**
 * `tenant-guard check`: the webhook's verdict, offline, for every document in
 * the given files. Ownership comes from --namespaces (Namespace objects) and
 * --namespace/--tenant; the requester from --user/--group; an UPDATE's stored
 * objects from --old. Exit 0 when all are allowed, 1 when any is refused, 2
 * on bad input. Violations the configuration's enforcement admits (warn,
 * dryrun) are listed with their mode and fail only with --strict.
 */
import { writeFile } from 'node:fs/promises';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { stringify } from 'yaml';
import type { Config } from '../config/schema.js';
import { formatConfigErrors, loadConfigFile } from '../config/load.js';
import type { NamespaceLike } from '../kube/namespace-view.js';
import { renderSuggestion, renderViolation, subjectText, type Operation } from '../policy/index.js';
import { collect, outputOption, UsageError, type Io, type ActionWrapper } from './args.js';
import { readObjects, type SourcedFile, type SourcedObject } from './documents.js';
import { fixDocuments } from './fix.js';
import { checkObjects, type CheckOptions, type CheckResult } from './judge.js';
import { namespaceMismatches, pairWithOld } from './placement.js';

export { checkObjects, type CheckOptions, type CheckResult };

/** Whether a result fails the check: refused, or with --strict any violation whatever its mode. */
export function fails(r: CheckResult, strict: boolean): boolean {
  return !r.allowed || (strict && r.relaxed.length > 0);
}

export function renderCheckText(results: readonly CheckResult[], strict = false): string {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(`${!r.allowed ? 'DENIED ' : fails(r, strict) ? 'FAILED ' : 'ALLOWED'} ${subjectText(r)} (${r.file}#${r.position})`);
    for (const v of r.violations) {
      lines.push(`  - ${renderViolation(v)}`);
      if (v.suggestion !== undefined) lines.push(`    suggested change: ${renderSuggestion(v.suggestion)}`);
    }
    for (const v of r.relaxed) {
      lines.push(`  - (${v.mode}) ${renderViolation(v)}`);
      if (v.suggestion !== undefined) lines.push(`    suggested change: ${renderSuggestion(v.suggestion)}`);
    }
    for (const w of r.warnings) lines.push(`  warning: ${w}`);
    if (r.patch.length > 0) lines.push(`  patch: ${JSON.stringify(r.patch)}`);
  }
  const denied = results.filter((r) => !r.allowed).length;
  const relaxed = results.filter((r) => r.allowed && r.relaxed.length > 0).length;
  lines.push(`${results.length - denied} allowed, ${denied} denied${relaxed > 0 ? `; ${relaxed} allowed only by enforcement warn or dryrun${strict ? ' (failed: --strict)' : ''}` : ''}`);
  return lines.join('\n');
}

/** The documented shape: every key present, null where a Namespace has no namespace or an object no name. */
export function checkReport(results: readonly CheckResult[]): object[] {
  return results.map((r) => ({ ...r, namespace: r.namespace ?? null, name: r.name ?? null }));
}

export function renderCheckJson(results: readonly CheckResult[]): string {
  return JSON.stringify(checkReport(results), null, 2);
}

const OPERATIONS = ['CREATE', 'UPDATE', 'DELETE'] as const;

function operation(value: string): Operation {
  const op = value.toUpperCase();
  if (!(OPERATIONS as readonly string[]).includes(op)) throw new InvalidArgumentError(`Allowed choices are ${OPERATIONS.join(', ')}.`);
  return op as Operation;
}

interface CheckFlags {
  filename?: string[];
  recursive?: boolean;
  config?: string;
  namespaces?: string;
  namespace?: string;
  tenant?: string;
  user?: string;
  group?: string[];
  operation?: Operation;
  old?: string;
  output: string;
  fix?: boolean;
  inPlace?: boolean;
  strict?: boolean;
}

export function checkCommand(program: Command, io: Io, action: ActionWrapper): Command {
  return program.command('check')
    .summary('the webhook\'s verdict for every document, offline')
    .description('The webhook\'s verdict for every document of the files, offline: multi-document YAML and List objects are expanded, and every violation is named with its field, reason and fix.')
    .option('-f, --filename <path>', 'file, folder (its .yaml, .yml and .json files) or - for standard input; repeatable', collect)
    .option('-R, --recursive', 'read the folders given with -f recursively')
    .option('--config <file>', 'tenant-guard configuration (default: the built-in defaults)')
    .option('--namespaces <file>', 'Namespace objects that define ownership (as `kubectl get ns -o yaml` prints)')
    .option('-n, --namespace <ns>', 'place every namespaced object in this namespace, like `kubectl apply -n`; an object naming another namespace is an error')
    .option('--tenant <tenant>', 'the tenant that owns --namespace when --namespaces does not say')
    .option('--user <name>', 'the requester\'s user name (default: a user with no tenant)')
    .option('--group <group>', 'a group of the requester; repeatable', collect)
    .addOption(new Option('--operation <op>', 'the admission operation: CREATE, UPDATE or DELETE (default: CREATE; UPDATE with --old)').argParser(operation))
    .option('--old <path>', 'the stored objects an UPDATE changes (file, folder or -), matched by kind, namespace and name')
    .addOption(outputOption(['text', 'json', 'yaml'], 'text'))
    .option('--fix', 'apply every suggested change and print the corrected documents')
    .option('--in-place', 'with --fix: write the corrections back into the files')
    .option('--strict', 'fail on violations the configuration\'s enforcement admits (warn, dryrun) too, as deny would')
    .addHelpText('after', '\nExit codes: 0 every document allowed, 1 any refused (with --strict: any violation, whatever its enforcement mode), 2 bad input.')
    .action(action<CheckFlags>('check', (flags) => runCheck(flags, io)));
}

async function read(paths: string[], flags: CheckFlags, io: Io): Promise<{ objects: SourcedObject[]; files: SourcedFile[] }> {
  const r = await readObjects(paths, { recursive: flags.recursive === true, stdin: () => io.stdin() });
  if (!r.ok) throw new UsageError(r.message);
  return r;
}

async function runCheck(flags: CheckFlags, io: Io): Promise<number> {
  const files = flags.filename ?? [];
  if (files.length === 0) throw new UsageError('check needs at least one -f FILE (a file, a folder, or - for standard input)');
  if (flags.old !== undefined && files.includes('-') && flags.old === '-') throw new UsageError('standard input (-) can be read only once: give -f or --old a file');
  const op: Operation = flags.operation ?? (flags.old !== undefined ? 'UPDATE' : 'CREATE');
  if (flags.old !== undefined && op !== 'UPDATE') throw new UsageError(`--old gives the stored objects of an UPDATE; it does not go with --operation ${op}`);
  if (flags.inPlace === true && flags.fix !== true) throw new UsageError('--in-place goes with --fix');

  const cfg = await loadConfigFile(flags.config);
  if (!cfg.ok) throw new UsageError(formatConfigErrors(cfg.errors));
  const docs = await read(files, flags, io);
  if (docs.objects.length === 0) throw new UsageError(`no Kubernetes objects in ${files.join(', ')}`);
  const mismatches = namespaceMismatches(docs.objects, flags.namespace);
  if (mismatches.length > 0) throw new UsageError(mismatches.join('\n'));
  let old: Record<string, unknown>[] | undefined;
  if (flags.old !== undefined) {
    const stored = await read([flags.old], flags, io);
    const oldMismatches = namespaceMismatches(stored.objects, flags.namespace);
    if (oldMismatches.length > 0) throw new UsageError(oldMismatches.join('\n'));
    const paired = pairWithOld(docs.objects, stored.objects, flags.namespace);
    if (!paired.ok) throw new UsageError(paired.problems.join('\n'));
    old = paired.old;
  }
  let nsObjects: NamespaceLike[] = [];
  if (flags.namespaces !== undefined) {
    const ns = await read([flags.namespaces], flags, io);
    nsObjects = ns.objects.map((o) => o.object as NamespaceLike).filter((o) => (o as { kind?: unknown }).kind === 'Namespace');
  }
  const opts: CheckOptions = {
    namespace: flags.namespace,
    tenant: flags.tenant,
    user: flags.user ?? 'tenant-guard-check',
    groups: flags.group ?? [],
    operation: op,
    old,
  };
  if (flags.fix === true) return runFix(docs, nsObjects, opts, cfg.config, flags.inPlace === true, io);
  const results = checkObjects(docs.objects, nsObjects, opts, cfg.config);
  const output = flags.output;
  const strict = flags.strict === true;
  io.out(output === 'json' ? renderCheckJson(results) : output === 'yaml' ? stringify(checkReport(results), { lineWidth: 0 }).replace(/\n$/, '') : renderCheckText(results, strict));
  return results.some((r) => fails(r, strict)) ? 1 : 0;
}

async function runFix(docs: { objects: SourcedObject[]; files: SourcedFile[] }, nsObjects: NamespaceLike[], opts: CheckOptions, config: Config, inPlace: boolean, io: Io): Promise<number> {
  if (docs.files.some((f) => f.file === '-') && inPlace) throw new UsageError('--in-place needs files, not standard input');
  const outcome = fixDocuments(docs.objects, docs.files, nsObjects, opts, config);
  if (inPlace) {
    for (const f of outcome.files) await writeFile(f.file, f.text);
  } else {
    io.out(outcome.files.map((f) => f.text).join('---\n').replace(/\n$/, ''));
  }
  const remaining = outcome.results.filter((r) => !r.allowed);
  const report: string[] = [...outcome.errors.map((e) => `could not apply a suggestion: ${e}`)];
  for (const r of remaining) {
    report.push(`not fixed: ${subjectText(r)}`);
    for (const v of r.violations) report.push(`  - ${renderViolation(v)}`);
  }
  if (inPlace) report.unshift(`fixed ${outcome.files.map((f) => f.file).join(', ')}: ${outcome.results.length - remaining.length} allowed, ${remaining.length} still refused`);
  if (report.length > 0) io.err(report.join('\n'));
  return remaining.length === 0 && outcome.errors.length === 0 ? 0 : 1;
}
