/**
 * Bad input: whatever arrives, the answer is a 4xx that says what is wrong,
 * never a 500 and never a decision on a request that was not understood.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { fixture, fixtureText, makeApp, makeConfig, post, reviewOf } from './helpers.js';

const { app } = makeApp();
const small = makeApp({ config: makeConfig({ bodyLimitBytes: 2048 }) });
afterAll(async () => {
  await app.close();
  await small.app.close();
});

function envelope(mutate: (r: Record<string, unknown>) => void): string {
  const review = fixture('networkpolicy-create-cross-tenant') as unknown as Record<string, unknown>;
  mutate(review);
  return JSON.stringify(review);
}

function request(r: Record<string, unknown>): Record<string, unknown> {
  return r.request as Record<string, unknown>;
}

const badRequests: [string, string, string][] = [
  ['malformed JSON', '{"apiVersion": "admission.k8s.io/v1", "kind": ', 'Body is not valid JSON but content-type is set to \'application/json\''],
  ['an empty body', '', 'Body cannot be empty when content-type is set to \'application/json\''],
  ['a JSON array', '[]', 'expected an AdmissionReview (admission.k8s.io/v1) JSON object'],
  ['a JSON string', '"AdmissionReview"', 'expected an AdmissionReview (admission.k8s.io/v1) JSON object'],
  ['JSON null', 'null', 'expected an AdmissionReview (admission.k8s.io/v1) JSON object'],
  ['a number', '42', 'expected an AdmissionReview (admission.k8s.io/v1) JSON object'],
  ['admission.k8s.io/v1beta1', envelope((r) => { r.apiVersion = 'admission.k8s.io/v1beta1'; }),
    'admission.k8s.io/v1beta1 is not supported: set admissionReviewVersions: [v1] in the webhook configuration'],
  ['another apiVersion', envelope((r) => { r.apiVersion = 'v1'; }), 'malformed AdmissionReview: apiVersion must be "admission.k8s.io/v1"'],
  ['another kind', envelope((r) => { r.kind = 'Status'; }), 'malformed AdmissionReview: kind must be "AdmissionReview"'],
  ['no request', envelope((r) => { delete r.request; }), 'malformed AdmissionReview: body.request is required'],
  ['request null', envelope((r) => { r.request = null; }), 'malformed AdmissionReview: request must be object'],
  ['no uid', envelope((r) => { delete request(r).uid; }), 'malformed AdmissionReview: request.uid is required'],
  ['an empty uid', envelope((r) => { request(r).uid = ''; }), 'malformed AdmissionReview: request.uid must NOT have fewer than 1 characters'],
  ['a numeric uid', envelope((r) => { request(r).uid = 7; }), 'malformed AdmissionReview: request.uid must be string'],
  ['no kind', envelope((r) => { delete request(r).kind; }), 'malformed AdmissionReview: request.kind is required'],
  ['an unknown operation', envelope((r) => { request(r).operation = 'PATCH'; }), 'malformed AdmissionReview: request.operation must be equal to one of the allowed values'],
  ['no userInfo', envelope((r) => { delete request(r).userInfo; }), 'malformed AdmissionReview: request.userInfo is required'],
  ['groups not a list', envelope((r) => { request(r).userInfo = { username: 'alice', groups: 'acme-devs' }; }), 'malformed AdmissionReview: request.userInfo.groups must be array'],
  ['dryRun not a boolean', envelope((r) => { request(r).dryRun = 'true'; }), 'malformed AdmissionReview: request.dryRun must be boolean'],
  ['__proto__ at the top', `{"__proto__": {"allowed": true}, ${fixtureText('pod-create').trim().slice(1)}`, 'Body is not valid JSON but content-type is set to \'application/json\''],
  ['__proto__ inside the object', fixtureText('networkpolicy-create-cross-tenant').replace('"podSelector": {', '"podSelector": {"__proto__": {"polluted": true}, '), 'Body is not valid JSON but content-type is set to \'application/json\''],
  ['constructor.prototype', fixtureText('pod-create').replace('"spec": {', '"spec": {"constructor": {"prototype": {"polluted": true}}, '), 'Body is not valid JSON but content-type is set to \'application/json\''],
];

describe('malformed AdmissionReviews are 400 with a message', () => {
  it.each(badRequests)('%s', async (_name, body, message) => {
    for (const endpoint of ['/validate', '/mutate']) {
      const res = await post(app, endpoint, body);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json()).toEqual({ error: 'Bad Request', message });
    }
  });

  it('the poisoning fixtures really carry the forbidden keys (so the 400 is the guard, not a typo)', () => {
    for (const [name, body] of badRequests.filter(([n]) => n.includes('proto'))) {
      expect(body, name).toMatch(/"(__proto__|constructor)": \{/);
    }
  });

  it('a poisoned body does not pollute Object.prototype', async () => {
    await post(app, '/validate', badRequests.find(([n]) => n === '__proto__ inside the object')![1]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('content types', () => {
  it('text/plain is 415', async () => {
    const res = await post(app, '/validate', fixtureText('pod-create'), { 'content-type': 'text/plain' });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toEqual({ error: 'Unsupported Media Type', message: 'Unsupported Media Type' });
  });

  it('application/yaml is 415', async () => {
    const res = await post(app, '/validate', 'apiVersion: admission.k8s.io/v1\n', { 'content-type': 'application/yaml' });
    expect(res.statusCode).toBe(415);
  });

  it('application/json with a charset is accepted', async () => {
    const body = reviewOf(await post(app, '/validate', fixtureText('pod-create'), { 'content-type': 'application/json; charset=utf-8' }));
    expect(body.response.uid).toBe('0a2c4e6a-8b0d-4c2e-9f4a-6b8d0f2a4c7a');
  });

  it('application/x-www-form-urlencoded (what `curl -d @file` sends) is parsed as JSON', async () => {
    const body = reviewOf(await post(app, '/validate', fixtureText('networkpolicy-create-cross-tenant'), { 'content-type': 'application/x-www-form-urlencoded' }));
    expect(body.response.uid).toBe('d41f7b2e-8c3a-4e19-b5d0-2a6c9e1f7b83');
    expect(body.response.allowed).toBe(false);
  });

  it('a form body that is not JSON is 400, not 500', async () => {
    const res = await post(app, '/validate', 'a=1&b=2', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(res.statusCode).toBe(400);
  });
});

describe('body size', () => {
  it('with bodyLimitBytes 2048, a larger review is 413 and a smaller one is decided', async () => {
    const large = fixtureText('networkpolicy-create-cross-tenant');
    expect(Buffer.byteLength(large)).toBeGreaterThan(2048);
    const res = await post(small.app, '/validate', large);
    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual({ error: 'Payload Too Large', message: 'Request body is too large' });

    const review = fixture('namespace-create-foreign-label');
    const compact = JSON.stringify(review);
    expect(Buffer.byteLength(compact)).toBeLessThan(2048);
    expect(reviewOf(await post(small.app, '/validate', compact)).response.uid).toBe(review.request.uid);
  });

  it('the limit counts bytes: 2049 bytes is 413, 2048 is parsed', async () => {
    const base = JSON.stringify(fixture('namespace-create-foreign-label'));
    const pad = (n: number) => `${base.slice(0, -1)}, "pad": "${'x'.repeat(n)}"}`;
    const padding = 2048 - Buffer.byteLength(pad(0));
    expect(Buffer.byteLength(pad(padding))).toBe(2048);
    expect((await post(small.app, '/validate', pad(padding))).statusCode).toBe(200);
    expect((await post(small.app, '/validate', pad(padding + 1))).statusCode).toBe(413);
  });

  it('at the default limit, a declared content-length of 6 MiB + 1 is 413 before the body is read', async () => {
    const res = await post(app, '/validate', fixtureText('pod-create'), { 'content-length': String(6 * 1024 * 1024 + 1) });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual({ error: 'Payload Too Large', message: 'Request body is too large' });
  });

  it('at the default limit, a body of 6 MiB + 1 bytes is 413', async () => {
    const base = fixtureText('pod-create').trim();
    const filler = 6 * 1024 * 1024 + 1 - Buffer.byteLength(base) - ', "pad": ""'.length;
    const body = `${base.slice(0, -1)}, "pad": "${'x'.repeat(filler)}"}`;
    expect(Buffer.byteLength(body)).toBe(6 * 1024 * 1024 + 1);
    const res = await post(app, '/validate', body);
    expect(res.statusCode).toBe(413);
  });
});

describe('other routes and methods', () => {
  it('GET on an admission endpoint is not a decision', async () => {
    const res = await app.inject({ method: 'GET', url: '/validate' });
    expect(res.statusCode).toBe(404);
  });
});
