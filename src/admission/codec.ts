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

/** The API server rejects over-long warnings; keep each one readable in a terminal. */
const MAX_WARNINGS = 10;
const MAX_WARNING_LENGTH = 512;

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
    response.warnings = result.warnings.slice(0, MAX_WARNINGS).map((w) => (w.length > MAX_WARNING_LENGTH ? `${w.slice(0, MAX_WARNING_LENGTH - 1)}…` : w));
  }
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response };
}
