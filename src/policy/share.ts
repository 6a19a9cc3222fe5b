/**
 * Export and Import (group tenant-guard.io) as plain data, and the subset
 * rules every part of sharing agrees on: which ports an Import may take from
 * an Export, whether an Export lists an importer, when it has expired. The
 * webhook, the controller's desired state and the audit all read the objects
 * through readExport/readImport, so a field means the same thing everywhere.
 */
import type { FieldPath } from './path.js';
import { isRecord } from './record.js';
import { valueText } from './text.js';

export const SHARING_GROUP = 'tenant-guard.io';
export const SHARING_VERSION = 'v1alpha1';
export const SHARING_API_VERSION = `${SHARING_GROUP}/${SHARING_VERSION}`;

/**
 * On the managed policies the share controller writes (beside the managed-by
 * label); its value names the pair. The baseline controller leaves policies
 * with it alone.
 */
export const SHARE_LABEL = 'tenant-guard.io/share';
/** On a share's policies: `<export namespace>/<export> -> <import namespace>/<import>`, the pair it makes work. */
export const SHARE_ANNOTATION = 'tenant-guard.io/share';

export type Protocol = 'TCP' | 'UDP' | 'SCTP';
const PROTOCOLS: readonly string[] = ['TCP', 'UDP', 'SCTP'];

/** One port or a range; a single port has endPort equal to port. */
export interface PortRange {
  protocol: Protocol;
  port: number;
  endPort: number;
}

export interface SelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values: string[];
}

/** A label selector, normalised: matchLabels and matchExpressions as given, both always present. */
export interface PodSelector {
  matchLabels: Record<string, string>;
  matchExpressions: SelectorRequirement[];
}

export interface ExportTarget {
  tenant: string;
  /** Only these namespaces of the tenant; undefined: every namespace of the tenant. */
  namespaces: string[] | undefined;
}

export interface ExportFacts {
  namespace: string;
  name: string;
  uid: string | undefined;
  generation: number | undefined;
  podSelector: PodSelector;
  ports: PortRange[];
  to: ExportTarget[];
  /** Milliseconds since the epoch; undefined: never expires. */
  expiresAt: number | undefined;
}

export interface ImportFacts {
  namespace: string;
  name: string;
  uid: string | undefined;
  generation: number | undefined;
  from: { namespace: string; export: string };
  podSelector: PodSelector;
  /** undefined: every port the Export offers. */
  ports: PortRange[] | undefined;
}

export interface Problem {
  path: FieldPath;
  message: string;
}

/** What could be read, and what could not; `ok` only when nothing is wrong (a partial value lets a review report every violation at once). */
export type Read<T> = { ok: true; value: T } | { ok: false; problems: Problem[]; partial?: T };

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
// RFC 3339 as Kubernetes writes date-time: a date, T, a time, and Z or an offset.
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

function meta(obj: Record<string, unknown>): { namespace: string; name: string; uid: string | undefined; generation: number | undefined } {
  const md = isRecord(obj.metadata) ? obj.metadata : {};
  return {
    namespace: typeof md.namespace === 'string' ? md.namespace : '',
    name: typeof md.name === 'string' ? md.name : '',
    uid: typeof md.uid === 'string' ? md.uid : undefined,
    generation: typeof md.generation === 'number' ? md.generation : undefined,
  };
}

export function readPodSelector(v: unknown, path: FieldPath, problems: Problem[]): PodSelector {
  const out: PodSelector = { matchLabels: {}, matchExpressions: [] };
  if (!isRecord(v)) {
    problems.push({ path, message: v === undefined || v === null ? 'is required ({} selects every pod of the namespace)' : 'must be a label selector' });
    return out;
  }
  if (v.matchLabels !== undefined && v.matchLabels !== null) {
    if (!isRecord(v.matchLabels)) problems.push({ path: [...path, 'matchLabels'], message: 'must be a mapping of label keys to values' });
    else {
      for (const [k, val] of Object.entries(v.matchLabels)) {
        if (typeof val !== 'string') problems.push({ path: [...path, 'matchLabels', k], message: `must be a string, found ${valueText(val)}` });
        else out.matchLabels[k] = val;
      }
    }
  }
  if (v.matchExpressions !== undefined && v.matchExpressions !== null) {
    if (!Array.isArray(v.matchExpressions)) problems.push({ path: [...path, 'matchExpressions'], message: 'must be a list' });
    else {
      v.matchExpressions.forEach((e: unknown, i) => {
        const p = [...path, 'matchExpressions', i];
        if (!isRecord(e) || typeof e.key !== 'string' || !['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(e.operator as string)) {
          problems.push({ path: p, message: 'must have a key and an operator In, NotIn, Exists or DoesNotExist' });
          return;
        }
        const values = Array.isArray(e.values) ? e.values.filter((x): x is string => typeof x === 'string') : [];
        out.matchExpressions.push({ key: e.key, operator: e.operator as SelectorRequirement['operator'], values });
      });
    }
  }
  return out;
}

/** Explicit ports: every entry a number (a range with endPort), a known protocol; never "all ports". */
export function readPorts(v: unknown, path: FieldPath, problems: Problem[]): PortRange[] {
  if (!Array.isArray(v) || v.length === 0) {
    problems.push({ path, message: v === undefined || v === null ? 'is required: list the ports explicitly (there is no "all ports")' : 'must be a non-empty list of ports' });
    return [];
  }
  const out: PortRange[] = [];
  v.forEach((p: unknown, i) => {
    const at = [...path, i];
    if (!isRecord(p)) {
      problems.push({ path: at, message: 'must be a mapping with port and protocol' });
      return;
    }
    const protocol = p.protocol === undefined ? 'TCP' : p.protocol;
    if (typeof protocol !== 'string' || !PROTOCOLS.includes(protocol)) {
      problems.push({ path: [...at, 'protocol'], message: `must be TCP, UDP or SCTP, found ${valueText(protocol)}` });
      return;
    }
    const port = p.port;
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
      problems.push({ path: [...at, 'port'], message: `must be a port number from 1 to 65535, found ${valueText(port)} (named ports and "all ports" cannot be shared)` });
      return;
    }
    const endPort = p.endPort === undefined || p.endPort === null ? port : p.endPort;
    if (typeof endPort !== 'number' || !Number.isInteger(endPort) || endPort < port || endPort > 65535) {
      problems.push({ path: [...at, 'endPort'], message: `must be a port number from ${port} to 65535, found ${valueText(endPort)}` });
      return;
    }
    out.push({ protocol: protocol as Protocol, port, endPort });
  });
  return out;
}

function readTargets(v: unknown, path: FieldPath, problems: Problem[]): ExportTarget[] {
  if (!Array.isArray(v) || v.length === 0) {
    problems.push({ path, message: 'must list at least one consumer tenant' });
    return [];
  }
  const out: ExportTarget[] = [];
  v.forEach((t: unknown, i) => {
    const at = [...path, i];
    if (!isRecord(t) || typeof t.tenant !== 'string' || !DNS_LABEL.test(t.tenant)) {
      problems.push({ path: [...at, 'tenant'], message: 'must name a tenant' });
      return;
    }
    let namespaces: string[] | undefined;
    if (t.namespaces !== undefined && t.namespaces !== null) {
      if (!Array.isArray(t.namespaces) || t.namespaces.length === 0 || !t.namespaces.every((n) => typeof n === 'string' && DNS_LABEL.test(n))) {
        problems.push({ path: [...at, 'namespaces'], message: 'must be a non-empty list of namespace names (leave it out for every namespace of the tenant)' });
        return;
      }
      namespaces = t.namespaces as string[];
    }
    out.push({ tenant: t.tenant, namespaces });
  });
  return out;
}

function readExpiry(v: unknown, problems: Problem[]): number | undefined {
  if (v === undefined || v === null) return undefined;
  const ms = typeof v === 'string' && RFC3339.test(v) ? Date.parse(v) : Number.NaN;
  if (Number.isNaN(ms)) {
    problems.push({ path: ['spec', 'expiresAt'], message: `must be an RFC 3339 time like 2027-06-30T00:00:00Z, found ${valueText(v)}` });
    return undefined;
  }
  return ms;
}

export function readExport(obj: unknown): Read<ExportFacts> {
  if (!isRecord(obj)) return { ok: false, problems: [{ path: [], message: 'is not an object' }] };
  const problems: Problem[] = [];
  const spec = isRecord(obj.spec) ? obj.spec : undefined;
  if (spec === undefined) return { ok: false, problems: [{ path: ['spec'], message: 'is missing or not a mapping' }] };
  const value: ExportFacts = {
    ...meta(obj),
    podSelector: readPodSelector(spec.podSelector, ['spec', 'podSelector'], problems),
    ports: readPorts(spec.ports, ['spec', 'ports'], problems),
    to: readTargets(spec.to, ['spec', 'to'], problems),
    expiresAt: readExpiry(spec.expiresAt, problems),
  };
  return problems.length > 0 ? { ok: false, problems, partial: value } : { ok: true, value };
}

export function readImport(obj: unknown): Read<ImportFacts> {
  if (!isRecord(obj)) return { ok: false, problems: [{ path: [], message: 'is not an object' }] };
  const problems: Problem[] = [];
  const spec = isRecord(obj.spec) ? obj.spec : undefined;
  if (spec === undefined) return { ok: false, problems: [{ path: ['spec'], message: 'is missing or not a mapping' }] };
  const from = isRecord(spec.from) ? spec.from : {};
  const fromNamespace = typeof from.namespace === 'string' ? from.namespace : '';
  const fromExport = typeof from.export === 'string' ? from.export : '';
  if (!DNS_LABEL.test(fromNamespace)) problems.push({ path: ['spec', 'from', 'namespace'], message: 'must name the namespace that holds the Export' });
  if (fromExport === '') problems.push({ path: ['spec', 'from', 'export'], message: 'must name the Export' });
  const value: ImportFacts = {
    ...meta(obj),
    from: { namespace: fromNamespace, export: fromExport },
    podSelector: readPodSelector(spec.podSelector, ['spec', 'podSelector'], problems),
    ports: spec.ports === undefined || spec.ports === null ? undefined : readPorts(spec.ports, ['spec', 'ports'], problems),
  };
  return problems.length > 0 ? { ok: false, problems, partial: value } : { ok: true, value };
}

/**
 * The ranges of `inner` that no range of `outer` with the same protocol
 * covers (ranges of `outer` may together cover one of `inner`). Empty: inner
 * is a subset.
 */
export function portsOutside(inner: readonly PortRange[], outer: readonly PortRange[]): PortRange[] {
  return inner.filter((r) => {
    const spans = outer.filter((o) => o.protocol === r.protocol).sort((a, b) => a.port - b.port);
    let next = r.port;
    for (const s of spans) {
      if (s.port > next) break;
      if (s.endPort >= next) next = s.endPort + 1;
      if (next > r.endPort) return false;
    }
    return next <= r.endPort;
  });
}

export function portText(r: PortRange): string {
  return r.endPort === r.port ? `${r.protocol} ${r.port}` : `${r.protocol} ${r.port}-${r.endPort}`;
}

/** Does the Export offer itself to this namespace of this tenant? */
export function exportLists(exp: ExportFacts, tenant: string, namespace: string): boolean {
  return exp.to.some((t) => t.tenant === tenant && (t.namespaces === undefined || t.namespaces.includes(namespace)));
}

export function isExpired(exp: ExportFacts, nowMs: number): boolean {
  return exp.expiresAt !== undefined && exp.expiresAt <= nowMs;
}

/** Is this exporter → importer pair allowed by sharing.allowedPairs (empty: every pair)? */
export function pairAllowed(pairs: readonly { exporter: string; importer: string }[], exporter: string, importer: string): boolean {
  return pairs.length === 0 || pairs.some((p) => p.exporter === exporter && p.importer === importer);
}

/** A share in force: both halves exist, agree, and neither side's owner changed. */
export interface ActiveShare {
  export: ExportFacts;
  import: ImportFacts;
  exporterTenant: string;
  importerTenant: string;
  /** The ports traffic may use: the Import's, or the Export's when the Import lists none. */
  ports: PortRange[];
}

/** The one text for "not in force" that an importer sees whatever is missing: the namespace, the Export, or its consent. */
export function notListedMessage(imp: Pick<ImportFacts, 'namespace' | 'from'>, tenant: string): string {
  return `no traffic flows until Export "${imp.from.export}" in namespace "${imp.from.namespace}" lists tenant ${tenant} (namespace "${imp.namespace}") and offers the ports imported`;
}

export type ImportJudgement =
  | { state: 'active'; share: ActiveShare }
  /** `listed`: the Export offers itself to this importer, so the message may describe it. */
  | { state: 'NotPermitted' | 'Expired'; listed: boolean; message: string };

export interface ShareRules {
  enabled: boolean;
  allowedPairs: readonly { exporter: string; importer: string }[];
}

/**
 * Is this Import in force now? Both owners are read at this moment, so a
 * namespace that changed hands ends the share; `exp` is the Export the
 * Import names, if it exists.
 */
export function judgeImport(imp: ImportFacts, exp: ExportFacts | undefined, tenantOf: (namespace: string) => string | undefined, rules: ShareRules, nowMs: number): ImportJudgement {
  const importer = tenantOf(imp.namespace);
  if (!rules.enabled) return { state: 'NotPermitted', listed: false, message: 'sharing between tenants is turned off on this cluster' };
  if (importer === undefined) return { state: 'NotPermitted', listed: false, message: `namespace "${imp.namespace}" belongs to no tenant` };
  const exporter = tenantOf(imp.from.namespace);
  if (exp === undefined || exporter === undefined || exporter === importer || imp.from.namespace === imp.namespace || !exportLists(exp, importer, imp.namespace)) {
    return { state: 'NotPermitted', listed: false, message: notListedMessage(imp, importer) };
  }
  const ref = `Export "${exp.name}" in namespace "${exp.namespace}"`;
  if (isExpired(exp, nowMs)) {
    return { state: 'Expired', listed: true, message: `${ref} expired at ${new Date(exp.expiresAt ?? 0).toISOString()}` };
  }
  if (!pairAllowed(rules.allowedPairs, exporter, importer)) {
    return { state: 'NotPermitted', listed: true, message: `tenant ${exporter} may not share with tenant ${importer} (sharing.allowedPairs)` };
  }
  const outside = imp.ports === undefined ? [] : portsOutside(imp.ports, exp.ports);
  if (outside.length > 0) {
    return { state: 'NotPermitted', listed: true, message: `${outside.map(portText).join(', ')} ${outside.length === 1 ? 'is' : 'are'} not offered by ${ref} (it offers ${exp.ports.map(portText).join(', ')})` };
  }
  return { state: 'active', share: { export: exp, import: imp, exporterTenant: exporter, importerTenant: importer, ports: imp.ports ?? exp.ports } };
}
