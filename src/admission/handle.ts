/**
 * One admission decision: resolve the namespaces the object refers to, ask
 * the engine, and turn the verdict into a response. The mutating endpoint
 * answers only for Namespaces (it returns the ownership patch); the
 * validating endpoint judges everything and refuses a tenant's Namespace that
 * still lacks its owner label (the mutation did not happen).
 */
import type { PolicySettings } from '../policy/settings.js';
import type { CidrGroupResolver } from '../kube/cidr-group-cache.js';
import type { NamespaceResolver } from '../kube/namespace-view.js';
import { classify, isAdmin, lintObject, referencedNamespaces, relaxesAnything, renderDenial, renderLint, renderRelaxed, review, serviceAccountNamespace, steeringNamespaces, type NamespaceView, type SharesView, type Verdict } from '../policy/index.js';
import { isRecord } from '../policy/report.js';
import { encodeAdmissionResponse, type AdmissionRequest, type AdmissionResponseBody } from './codec.js';

export type Endpoint = 'mutate' | 'validate';

export interface Decision {
  body: AdmissionResponseBody;
  verdict: Verdict;
}

export interface HandleDeps {
  /** The engine's settings only (policySettingsOf): the engine never sees the rest of the configuration. */
  settings: PolicySettings;
  /** The baseline's egress policy gives every tenant pod DNS (baseline.egress.enabled and .dns): lints leave DNS alone. */
  dnsAllowedElsewhere: boolean;
  namespaces: NamespaceResolver;
  /** The live CiliumCIDRGroups; without them every cidrGroupRef is refused as unknown. */
  cidrGroups?: CidrGroupResolver | undefined;
  /** The cache of Exports and Imports, as a view for one review; absent: no share is known (Imports are warned, Exports not counted). */
  shares?: { view(namespaces: NamespaceView): SharesView } | undefined;
}

/**
 * The namespaces the engine will look up for this request, and no more: each
 * one not in the cache costs an API call on the admission path. Only a
 * tenant's namespaced policy is judged against namespace ownership; deleting
 * one reads just the namespace it lives in (is it terminating?).
 */
function namespacesToResolve(req: AdmissionRequest, object: unknown, settings: PolicySettings, admin: boolean): string[] {
  const kind = classify(req.kind.group, req.kind.kind);
  if (req.operation === 'CONNECT' || admin) return [];
  const relaxes = relaxesAnything(settings.enforcement);
  // A relaxed enforcement mode follows the owner of the request's namespace: it must be known, or nothing is relaxed.
  const own = relaxes && kind !== 'Namespace' && req.namespace !== undefined && req.namespace !== '' ? [req.namespace] : [];
  // A service account's tenant is the owner of its namespace now: Namespace decisions and enforcement modes ask it.
  const saNamespace = settings.serviceAccounts === 'own-namespace' && (kind === 'Namespace' || relaxes) ? serviceAccountNamespace(req.userInfo.username ?? '') : undefined;
  return [...new Set([...own, ...(saNamespace === undefined ? [] : [saNamespace]), ...judgedNamespaces(req, object, settings.tenantLabel, kind)])];
}

function judgedNamespaces(req: AdmissionRequest, object: unknown, tenantLabel: string, kind: ReturnType<typeof classify>): string[] {
  if (kind === 'Service' || kind === 'CiliumEnvoyConfig' || kind === 'CiliumLocalRedirectPolicy') {
    return req.operation === 'DELETE' ? [] : steeringNamespaces(kind, req.namespace, object);
  }
  if (kind === 'Export' || kind === 'Import') {
    const names = req.namespace !== undefined && req.namespace !== '' ? [req.namespace] : [];
    // An Import's exporter namespace decides whether the share is known to be in force.
    const spec = kind === 'Import' && req.operation !== 'DELETE' && isRecord(object) && isRecord(object.spec) ? object.spec : undefined;
    const from = spec !== undefined && isRecord(spec.from) ? spec.from.namespace : undefined;
    if (typeof from === 'string' && from !== '' && !names.includes(from)) names.push(from);
    return names;
  }
  if (kind !== 'NetworkPolicy' && kind !== 'CiliumNetworkPolicy') return [];
  return referencedNamespaces(req.namespace, req.operation === 'DELETE' ? undefined : object, tenantLabel);
}

/**
 * The violations admitted in `warn` mode, one warning each, first: they are
 * what the user most needs to read. A Namespace passes both endpoints; only
 * the validating one reports them, so kubectl prints each once.
 */
function warnedViolations(verdict: Verdict, endpoint: Endpoint): string[] {
  if (endpoint !== 'validate') return [];
  return (verdict.relaxed ?? []).filter((v) => v.mode === 'warn').map(renderRelaxed);
}

/**
 * Whether this endpoint's verdict is the one to count and log by violation:
 * the validating endpoint's always; the mutating one's only when it refuses,
 * because then the validating webhook is never called.
 */
export function countsViolations(endpoint: Endpoint, verdict: Verdict): boolean {
  return endpoint === 'validate' || !verdict.allowed;
}

export async function handleAdmission(req: AdmissionRequest, endpoint: Endpoint, deps: HandleDeps): Promise<Decision> {
  const { settings } = deps;
  const isNamespace = req.kind.group === '' && req.kind.kind === 'Namespace';
  const requester = { username: req.userInfo.username ?? '', groups: req.userInfo.groups ?? [] };

  // Subresources (status, finalize) carry no ownership or policy content; the
  // namespace controller uses them while deleting, and must never be blocked.
  if (req.subResource !== undefined && req.subResource !== '') {
    const verdict: Verdict = { allowed: true, violations: [], warnings: [], patch: [] };
    return { body: encodeAdmissionResponse(req.uid, { allowed: true }), verdict };
  }
  if (endpoint === 'mutate' && !isNamespace) {
    const verdict: Verdict = { allowed: true, violations: [], warnings: [], patch: [] };
    return { body: encodeAdmissionResponse(req.uid, { allowed: true }), verdict };
  }

  const admin = isAdmin(requester, settings);
  const object = req.operation === 'DELETE' ? undefined : req.object;
  const oldObject = req.oldObject ?? undefined;
  const view = await deps.namespaces.resolve(namespacesToResolve(req, object, settings, admin));
  const verdict = review({
    kind: req.kind,
    operation: req.operation,
    namespace: isNamespace ? undefined : req.namespace,
    name: req.name,
    object,
    oldObject,
    requester,
    phase: endpoint === 'validate' ? 'validating' : 'mutating',
    namespaces: view,
    cidrGroups: deps.cidrGroups?.view(),
    shares: deps.shares?.view(view),
    settings,
  });

  // Lint warns about what is allowed but likely not meant; the baseline's egress policy gives every tenant pod DNS.
  const lints = lintObject(req.kind, req.namespace, object, { asWritten: false, dnsAllowedElsewhere: deps.dnsAllowedElsewhere });
  // Violations admitted in warn mode first: they are what the user most needs to read.
  const warnings = [...warnedViolations(verdict, endpoint), ...verdict.warnings, ...lints.map(renderLint)];
  // The API server sends a Namespace's own name as request.namespace on UPDATE and
  // DELETE; a Namespace is cluster-scoped, so it is named without one.
  const subject = { kind: req.kind.kind, namespace: isNamespace ? undefined : req.namespace, name: req.name };
  const body = verdict.allowed
    ? encodeAdmissionResponse(req.uid, { allowed: true, patch: endpoint === 'mutate' ? verdict.patch : [], warnings })
    : encodeAdmissionResponse(req.uid, {
      allowed: false,
      code: 403,
      message: renderDenial(subject, verdict),
      details: {
        group: req.kind.group,
        kind: req.kind.kind,
        ...(req.name !== undefined && req.name !== '' ? { name: req.name } : {}),
        causes: verdict.violations.map((v) => ({ reason: v.code, field: v.path, message: `${v.message} (fix: ${v.fix})` })),
      },
      warnings,
    });
  return { body, verdict };
}
