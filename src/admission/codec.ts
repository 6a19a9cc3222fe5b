/**
 * AdmissionReview v1 in and out. Decoding tells the caller's mistake (a
 * malformed envelope: HTTP 400) from a request the engine can judge; encoding
 * follows what the API server verifies: same uid, kind AdmissionReview v1,
 * patchType only together with a patch.
 */
import type { ErrorObject } from 'ajv';
import { validateAdmissionReview } from './schema.js';
import type { JsonPatchOp, Operation } from '../policy/types.js';

export interface AdmissionRequest {
  uid: string;
  kind: { group: string; version: string; kind: string };
  subResource?: string;
  name?: string;
  namespace?: string;
  operation: Operation;
  userInfo: { username?: string; groups?: string[] };
  object?: unknown;
  oldObject?: unknown;
  dryRun?: boolean;
}

export type Decoded = { ok: true; request: AdmissionRequest } | { ok: false; message: string };

function describe(errors: ErrorObject[] | null | undefined): string {
  const first = (errors ?? []).slice(0, 5).map((e) => {
    const where = e.instancePath === '' ? 'body' : e.instancePath.slice(1).replace(/\//g, '.');
    if (e.keyword === 'required') return `${where}.${(e.params as { missingProperty: string }).missingProperty} is required`;
    if (e.keyword === 'const') return `${where} must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`;
    return `${where} ${e.message ?? 'is invalid'}`;
  });
  return first.join('; ');
}

export function decodeAdmissionReview(body: unknown): Decoded {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, message: 'expected an AdmissionReview (admission.k8s.io/v1) JSON object' };
  }
  const b = body as Record<string, unknown>;
  if (b.apiVersion === 'admission.k8s.io/v1beta1') {
    return { ok: false, message: 'admission.k8s.io/v1beta1 is not supported: set admissionReviewVersions: [v1] in the webhook configuration' };
  }
  if (!validateAdmissionReview(body)) {
    return { ok: false, message: `malformed AdmissionReview: ${describe(validateAdmissionReview.errors)}` };
  }
  return { ok: true, request: (body as unknown as { request: AdmissionRequest }).request };
}

/** metav1.StatusCause: one per violation, so clients can match on the stable code. */
export interface StatusCause {
  reason: string;
  message: string;
  field: string;
}

/** metav1.StatusDetails; the API server passes it through to the client unchanged. */
export interface StatusDetails {
  group?: string;
  kind?: string;
  name?: string;
  causes: StatusCause[];
}

export interface AdmissionResponseBody {
  apiVersion: 'admission.k8s.io/v1';
  kind: 'AdmissionReview';
  response: {
    uid: string;
    allowed: boolean;
    status?: { code: number; reason?: string; message: string; details?: StatusDetails };
    patchType?: 'JSONPatch';
    patch?: string;
    warnings?: string[];
  };
}

/**
 * The API server's limits on warnings (k8s.io/apiserver, endpoints/filters/warning.go): while a
 * response's warnings, from every webhook and the server itself, stay within 4096 runes in all they
 * pass unchanged; past that it cuts each to 256 runes and drops the rest. So tenant-guard sends at
 * most 12 warnings and 3072 runes (room left for the others), each within 512 runes, and when some do
 * not fit, a last line counts them. The one place warnings are cut: the engine's and lint's arrive
 * here merged.
 */
export const MAX_WARNINGS = 12;
export const MAX_WARNING_RUNES = 512;
export const MAX_WARNINGS_RUNES = 3072;

/** Code points, as Go counts runes; text without surrogates (nearly all) has one per UTF-16 unit. */
function runes(s: string): number {
  if (!/[\uD800-\uDFFF]/.test(s)) return s.length;
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function cut(w: string): string {
  // Never more runes than UTF-16 units: a short warning needs no splitting.
  if (w.length <= MAX_WARNING_RUNES) return w;
  const r = [...w];
  return r.length > MAX_WARNING_RUNES ? `${r.slice(0, MAX_WARNING_RUNES - 1).join('')}…` : w;
}

const more = (n: number) => `…and ${n} more warning${n === 1 ? '' : 's'}: run tenant-guard check on the object to see them all`;

export function fitWarnings(warnings: readonly string[]): string[] {
  const distinct = [...new Set(warnings.filter((w) => w !== ''))].map(cut);
  // Runes are counted only where they decide something: a large policy brings dozens of warnings, of which 12 at most are sent.
  if (distinct.length <= MAX_WARNINGS && distinct.reduce((sum, w) => sum + runes(w), 0) <= MAX_WARNINGS_RUNES) return distinct;
  // Keep the first ones that fit together with the counting line.
  const kept: string[] = [];
  let used = 0;
  for (const w of distinct) {
    const size = runes(w);
    const tail = runes(more(distinct.length - kept.length - 1));
    if (kept.length + 2 > MAX_WARNINGS || used + size + tail > MAX_WARNINGS_RUNES) break;
    kept.push(w);
    used += size;
  }
  return [...kept, more(distinct.length - kept.length)];
}

export function encodeAdmissionResponse(uid: string, result: { allowed: boolean; message?: string; code?: number; details?: StatusDetails; patch?: JsonPatchOp[]; warnings?: string[] }): AdmissionResponseBody {
  const response: AdmissionResponseBody['response'] = { uid, allowed: result.allowed };
  if (!result.allowed) {
    const code = result.code ?? 403;
    response.status = { code, reason: code === 403 ? 'Forbidden' : 'InternalError', message: result.message ?? 'denied' };
    if (result.details !== undefined) response.status.details = result.details;
  }
  if (result.allowed && result.patch !== undefined && result.patch.length > 0) {
    response.patchType = 'JSONPatch';
    response.patch = Buffer.from(JSON.stringify(result.patch)).toString('base64');
  }
  if (result.warnings !== undefined && result.warnings.length > 0) {
    const fitted = fitWarnings(result.warnings);
    if (fitted.length > 0) response.warnings = fitted;
  }
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response };
}
