/**
 * The AdmissionReview v1 envelope, as the API server sends it. Only the
 * envelope is validated: the object inside is judged by the engine, which
 * copes with any shape. The validator never coerces, fills or strips
 * anything, so the engine sees exactly the bytes the API server sent.
 */
import { Ajv } from 'ajv';

const groupVersionKind = {
  type: 'object',
  required: ['group', 'version', 'kind'],
  properties: {
    group: { type: 'string' },
    version: { type: 'string' },
    kind: { type: 'string', minLength: 1 },
  },
} as const;

export const admissionReviewSchema = {
  type: 'object',
  required: ['apiVersion', 'kind', 'request'],
  properties: {
    apiVersion: { const: 'admission.k8s.io/v1' },
    kind: { const: 'AdmissionReview' },
    request: {
      type: 'object',
      required: ['uid', 'kind', 'operation', 'userInfo'],
      properties: {
        uid: { type: 'string', minLength: 1, maxLength: 128 },
        kind: groupVersionKind,
        resource: { type: 'object' },
        subResource: { type: 'string' },
        name: { type: 'string' },
        namespace: { type: 'string' },
        operation: { enum: ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'] },
        userInfo: {
          type: 'object',
          properties: {
            username: { type: 'string' },
            uid: { type: 'string' },
            groups: { type: 'array', items: { type: 'string' } },
          },
        },
        object: {},
        oldObject: {},
        dryRun: { type: 'boolean' },
        options: {},
      },
    },
  },
} as const;

const ajv = new Ajv({ allErrors: true, strict: false, coerceTypes: false, useDefaults: false, removeAdditional: false });
export const validateAdmissionReview = ajv.compile(admissionReviewSchema);
