/**
 * `tenant-guard check`: the webhook's verdict, offline, for every document in
 * the given files. Ownership comes from --namespaces (Namespace objects) and
 * --namespace/--tenant; the requester from --user/--group. Exit 0 when all
 * are allowed, 1 when any is refused, 2 on bad input.
 */
import { writeFile } from 'node:fs/promises';
import type { Config } from '../config/schema.js';
import { formatConfigErrors, loadConfigFile } from '../config/load.js';
import { StaticNamespaces, type NamespaceLike } from '../kube/namespace-view.js';
import { renderSuggestion, renderViolation, review, splitApiVersion, subjectText, type JsonPatchOp, type Operation, type Violation } from '../policy/index.js';
import { isRecord } from '../policy/report.js';
import { parse, UsageError } from './args.js';
import { readObjects, type SourcedFile, type SourcedObject } from './documents.js';
import { fixDocuments } from './fix.js';

export interface CheckOptions {
  namespace?: string | undefined;
  tenant?: string | undefined;
  user: string;
  groups: string[];
  operation: Operation;
}

export interface CheckResult {
  kind: string;
  namespace: string | undefined;
  name: string | undefined;
  allowed: boolean;
  violations: Violation[];
  warnings: string[];
  patch: JsonPatchOp[];
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Judge each object as the webhook would. Pure apart from its inputs. */
export function checkObjects(objects: readonly SourcedObject[], namespaceObjects: readonly NamespaceLike[], opts: CheckOptions, config: Config): CheckResult[] {
  const known = [...namespaceObjects];
  if (opts.namespace !== undefined && opts.tenant !== undefined && !known.some((n) => n.metadata?.name === opts.namespace)) {
    known.push({ metadata: { name: opts.namespace, labels: { [config.tenantLabel]: opts.tenant } } });
  }
  const view = new StaticNamespaces(known).view();
  return objects.map(({ object }) => {
    const { group, version } = splitApiVersion(object.apiVersion);
    const kind = str(object.kind) ?? '(no kind)';
    const md = isRecord(object.metadata) ? object.metadata : {};
    const isNamespace = group === '' && kind === 'Namespace';
    const name = str(md.name);
    // Like `kubectl apply -n`, --namespace places every namespaced object there; without it, the object's own or "default".
    const namespace = isNamespace ? undefined : (opts.namespace ?? str(md.namespace) ?? 'default');
    const placed = isNamespace || namespace === undefined ? object : { ...object, metadata: { ...md, namespace } };
    const verdict = review({
      kind: { group, version, kind },
      operation: opts.operation,
      namespace,
      name,
      object: opts.operation === 'DELETE' ? undefined : placed,
      oldObject: opts.operation === 'CREATE' ? undefined : placed,
      requester: { username: opts.user, groups: opts.groups },
      namespaces: view,
      config,
    });
    return { kind, namespace, name, allowed: verdict.allowed, violations: verdict.violations, warnings: verdict.warnings, patch: verdict.patch };
  });
}

export function renderCheckText(results: readonly CheckResult[], objects: readonly SourcedObject[]): string {
  const lines: string[] = [];
  results.forEach((r, i) => {
    const src = objects[i];
    const where = src !== undefined ? ` (${src.file}#${src.position})` : '';
    lines.push(`${r.allowed ? 'ALLOWED' : 'DENIED '} ${subjectText(r)}${where}`);
    for (const v of r.violations) {
      lines.push(`  - ${renderViolation(v)}`);
      if (v.suggestion !== undefined) lines.push(`    suggested change: ${renderSuggestion(v.suggestion)}`);
    }
    for (const w of r.warnings) lines.push(`  warning: ${w}`);
    if (r.patch.length > 0) lines.push(`  patch: ${JSON.stringify(r.patch)}`);
  });
  const denied = results.filter((r) => !r.allowed).length;
  lines.push(`${results.length - denied} allowed, ${denied} denied`);
  return lines.join('\n');
}

/** The documented JSON shape: every key present, null where a Namespace has no namespace or an object no name. */
export function renderCheckJson(results: readonly CheckResult[]): string {
  return JSON.stringify(results.map((r) => ({ ...r, namespace: r.namespace ?? null, name: r.name ?? null })), null, 2);
}

export async function runCheck(argv: string[], out: (s: string) => void): Promise<number> {
  const { values } = parse(argv, {
    file: { type: 'string', short: 'f', multiple: true },
    config: { type: 'string' },
    namespaces: { type: 'string' },
    namespace: { type: 'string', short: 'n' },
    tenant: { type: 'string' },
    user: { type: 'string' },
    group: { type: 'string', multiple: true },
    operation: { type: 'string' },
    output: { type: 'string', short: 'o' },
    fix: { type: 'boolean' },
    'in-place': { type: 'boolean' },
  });
  const files = values.file ?? [];
  if (files.length === 0) throw new UsageError('check needs at least one -f FILE');
  const output = values.output ?? 'text';
  if (output !== 'text' && output !== 'json') throw new UsageError(`-o must be text or json, got "${output}"`);
  const operation = (values.operation ?? 'CREATE').toUpperCase();
  if (operation !== 'CREATE' && operation !== 'UPDATE' && operation !== 'DELETE') throw new UsageError(`--operation must be CREATE, UPDATE or DELETE, got "${values.operation}"`);

  const cfg = await loadConfigFile(values.config);
  if (!cfg.ok) throw new UsageError(formatConfigErrors(cfg.errors));
  const docs = await readObjects(files);
  if (!docs.ok) throw new UsageError(docs.message);
  let nsObjects: NamespaceLike[] = [];
  if (values.namespaces !== undefined) {
    const ns = await readObjects([values.namespaces]);
    if (!ns.ok) throw new UsageError(ns.message);
    nsObjects = ns.objects.map((o) => o.object as NamespaceLike).filter((o) => (o as { kind?: unknown }).kind === 'Namespace');
  }
  if (docs.objects.length === 0) throw new UsageError(`no Kubernetes objects in ${files.join(', ')}`);
  const opts: CheckOptions = {
    namespace: values.namespace,
    tenant: values.tenant,
    user: values.user ?? 'tenant-guard-check',
    groups: values.group ?? [],
    operation,
  };
  if (values['in-place'] === true && values.fix !== true) throw new UsageError('--in-place goes with --fix');
  if (values.fix === true) return runFix(docs, nsObjects, opts, cfg.config, values['in-place'] === true, out);
  const results = checkObjects(docs.objects, nsObjects, opts, cfg.config);
  out(output === 'json' ? renderCheckJson(results) : renderCheckText(results, docs.objects));
  return results.every((r) => r.allowed) ? 0 : 1;
}

async function runFix(docs: { objects: SourcedObject[]; files: SourcedFile[] }, nsObjects: NamespaceLike[], opts: CheckOptions, config: Config, inPlace: boolean, out: (s: string) => void): Promise<number> {
  if (docs.files.some((f) => f.file === '-') && inPlace) throw new UsageError('--in-place needs files, not standard input');
  const outcome = fixDocuments(docs.objects, docs.files, nsObjects, opts, config);
  if (inPlace) {
    for (const f of outcome.files) await writeFile(f.file, f.text);
  } else {
    out(outcome.files.map((f) => f.text).join('---\n').replace(/\n$/, ''));
  }
  const remaining = outcome.results.filter((r) => !r.allowed);
  const report: string[] = [...outcome.errors.map((e) => `could not apply a suggestion: ${e}`)];
  for (const r of remaining) {
    report.push(`not fixed: ${subjectText(r)}`);
    for (const v of r.violations) report.push(`  - ${renderViolation(v)}`);
  }
  if (inPlace) report.unshift(`fixed ${outcome.files.map((f) => f.file).join(', ')}: ${outcome.results.length - remaining.length} allowed, ${remaining.length} still refused`);
  if (report.length > 0) process.stderr.write(`${report.join('\n')}\n`);
  return remaining.length === 0 && outcome.errors.length === 0 ? 0 : 1;
}
