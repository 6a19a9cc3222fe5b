import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bundleContains, splitPem } from './bundle.js';
import { issueCA, issueServing } from './issue.js';
import {
  applyDecision, canonicalBundle, decide, decodeSecret, encodeSecret, policyProblems, STAGED_AT_ANNOTATION,
  subjectAltNames, type CertState, type Decision, type Decoded, type RotationPolicy,
} from './plan.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const t0 = new Date('2030-01-01T00:00:00Z');

const policy: RotationPolicy = {
  dnsNames: ['tenant-guard', 'tenant-guard.tg', 'tenant-guard.tg.svc', 'tenant-guard.tg.svc.cluster.local'],
  ips: ['127.0.0.1'],
  caValidityMs: 100 * DAY,
  certValidityMs: 20 * DAY,
  renewBeforeMs: 5 * DAY,
  caOverlapMs: 2 * HOUR,
};

function at(base: Date, ms: number): Date {
  return new Date(base.getTime() + ms);
}

function ok(state: CertState): Decoded {
  return { ok: true, state };
}

function created(now = t0): CertState {
  const s = applyDecision({ action: 'create', reason: 'test' }, undefined, policy, now);
  if (s === undefined) throw new Error('create gave no state');
  return s;
}

function step(state: CertState, now: Date, published = true): { decision: Decision; next: CertState } {
  const decision = decide(ok(state), policy, now, published);
  return { decision, next: applyDecision(decision, ok(state), policy, now) ?? state };
}

function issuedBy(certPem: string, caPem: string): boolean {
  const c = new X509Certificate(certPem);
  const ca = new X509Certificate(caPem);
  return c.checkIssued(ca) && c.verify(ca.publicKey);
}

/** The serving certificate is signed by one of the bundle's CAs. */
function trusted(certPem: string, bundle: string): boolean {
  return splitPem(bundle).some((ca) => issuedBy(certPem, ca));
}

describe('policyProblems', () => {
  it('accepts the defaults shape and rejects settings that would renew for ever', () => {
    expect(policyProblems(policy)).toEqual([]);
    expect(policyProblems({ ...policy, renewBeforeMs: policy.certValidityMs })).toEqual(['the certificate validity must be longer than renewBefore']);
    expect(policyProblems({ ...policy, caValidityMs: policy.certValidityMs - 1 })).toEqual(['the CA validity must be at least the certificate validity']);
    expect(policyProblems({ ...policy, dnsNames: [], ips: [] })).toHaveLength(1);
    expect(policyProblems({ ...policy, renewBeforeMs: 0 })).toContain('renewBefore must be positive');
  });
});

describe('Secret encoding', () => {
  it('round-trips a state, staged CA included', () => {
    const s = created();
    const staged: CertState = { ...s, next: { ca: issueCA('next', 100, t0), stagedAt: at(t0, HOUR) } };
    staged.bundle = canonicalBundle(staged, t0);
    const { data, annotations } = encodeSecret(staged);
    expect(Object.keys(data).sort()).toEqual(['ca-bundle.crt', 'ca.crt', 'ca.key', 'next-ca.crt', 'next-ca.key', 'tls.crt', 'tls.key']);
    expect(annotations[STAGED_AT_ANNOTATION]).toBe(at(t0, HOUR).toISOString());
    const back = decodeSecret(data, annotations);
    expect(back.ok).toBe(true);
    if (!back.ok) return;
    expect(back.state.ca).toEqual(staged.ca);
    expect(back.state.serving).toEqual(staged.serving);
    expect(back.state.bundle).toBe(staged.bundle);
    expect(back.state.next?.ca).toEqual(staged.next?.ca);
    expect(back.state.next?.stagedAt.toISOString()).toBe(at(t0, HOUR).toISOString());
  });

  it('reports a missing, foreign or mismatched pair', () => {
    expect(decodeSecret(undefined, undefined)).toEqual({ ok: false, reason: 'the Secret has no data' });
    const { data } = encodeSecret(created());
    const noKey = { ...data };
    delete noKey['tls.key'];
    expect(decodeSecret(noKey, {})).toEqual({ ok: false, reason: 'serving certificate: missing' });
    const other = issueCA('other', 10, t0);
    const swapped = { ...data, 'ca.key': Buffer.from(other.keyPem).toString('base64') };
    expect(decodeSecret(swapped, {})).toEqual({ ok: false, reason: 'CA: the key does not match the certificate' });
    const garbage = { ...data, 'tls.crt': Buffer.from('hello').toString('base64') };
    const r = decodeSecret(garbage, {});
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/^serving certificate: not a PEM certificate and key/);
  });

  it('forgets a staged CA without its staging time or with a broken key', () => {
    const s = created();
    const { data } = encodeSecret({ ...s, next: { ca: issueCA('next', 100, t0), stagedAt: t0 } });
    const r1 = decodeSecret(data, {});
    expect(r1.ok && r1.state.next).toBe(undefined);
    const r2 = decodeSecret({ ...data, 'next-ca.key': data['ca.key']! }, { [STAGED_AT_ANNOTATION]: t0.toISOString() });
    expect(r2.ok && r2.state.next).toBe(undefined);
  });
});

describe('decide', () => {
  it('creates when there is no Secret or it is unusable', () => {
    expect(decide(undefined, policy, t0, true).action).toBe('create');
    expect(decide({ ok: false, reason: 'CA: missing' }, policy, t0, true)).toEqual({ action: 'create', reason: 'the certificate Secret is not usable: CA: missing' });
  });

  it('does nothing for fresh certificates, at any time before the renewal window', () => {
    const s = created();
    expect(decide(ok(s), policy, t0, true).action).toBe('none');
    expect(decide(ok(s), policy, at(t0, 14 * DAY), false).action).toBe('none');
  });

  it('renews the serving certificate with the same CA inside its window', () => {
    const s = created();
    const now = at(t0, 16 * DAY);
    const d = decide(ok(s), policy, now, true);
    expect(d.action).toBe('renew-serving');
    const n = applyDecision(d, ok(s), policy, now)!;
    expect(n.ca).toEqual(s.ca);
    expect(n.serving.certPem).not.toBe(s.serving.certPem);
    expect(issuedBy(n.serving.certPem, s.ca.certPem)).toBe(true);
    // Not due again straight away.
    expect(decide(ok(n), policy, now, true).action).toBe('none');
  });

  it('renews an expired serving certificate', () => {
    const s = created();
    expect(decide(ok(s), policy, at(t0, 21 * DAY), true)).toMatchObject({ action: 'renew-serving', reason: expect.stringMatching(/expired/) });
  });

  it('renews when a required name is missing, IPv6 compared in any spelling', () => {
    const s = created();
    expect(decide(ok(s), { ...policy, dnsNames: [...policy.dnsNames, 'extra.example'] }, t0, true)).toEqual({ action: 'renew-serving', reason: 'the serving certificate lacks extra.example' });
    const v6: RotationPolicy = { ...policy, ips: ['fd00::1'] };
    const s6 = applyDecision({ action: 'create', reason: '' }, undefined, v6, t0)!;
    expect(subjectAltNames(s6.serving.certPem).ips).toHaveLength(1);
    expect(decide(ok(s6), { ...v6, ips: ['fd00:0:0:0:0:0:0:1'] }, t0, true).action).toBe('none');
  });

  it('renews a serving certificate that another CA signed', () => {
    const s = created();
    const foreign = issueServing(issueCA('foreign', 100, t0), { dnsNames: [...policy.dnsNames], ips: [...policy.ips], days: 20, notBefore: t0 });
    expect(decide(ok({ ...s, serving: foreign }), policy, at(t0, HOUR), true)).toEqual({ action: 'renew-serving', reason: 'the serving certificate is not signed by the CA' });
  });

  it('never issues a serving certificate that outlives its CA', () => {
    const s = created();
    const late = at(t0, 90 * DAY);
    const n = applyDecision({ action: 'renew-serving', reason: '' }, ok(s), policy, late)!;
    const caEnd = new Date(new X509Certificate(s.ca.certPem).validTo).getTime();
    expect(new Date(new X509Certificate(n.serving.certPem).validTo).getTime()).toBeLessThanOrEqual(caEnd);
  });

  it('stages a new CA inside the CA window, and promotes it only when published and after the overlap', () => {
    // A serving certificate renewed on day 90 runs until the CA ends (day 100).
    const s = applyDecision({ action: 'renew-serving', reason: '' }, ok(created()), policy, at(t0, 90 * DAY))!;
    const now = at(t0, 96 * DAY);
    const d = decide(ok(s), policy, now, true);
    expect(d.action).toBe('stage-ca');
    const staged = applyDecision(d, ok(s), policy, now)!;
    expect(staged.ca).toEqual(s.ca);
    expect(staged.serving).toEqual(s.serving);
    expect(staged.next?.stagedAt).toEqual(now);
    expect(splitPem(staged.bundle)).toHaveLength(2);
    expect(bundleContains(staged.bundle, [s.ca.certPem, staged.next!.ca.certPem])).toBe(true);

    // Waiting: neither promotion nor a serving renewal with the old CA (it would only be due again).
    expect(decide(ok(staged), policy, at(now, HOUR), true).action).toBe('none');
    expect(decide(ok(staged), policy, at(now, 3 * HOUR), false).action).toBe('none');
    const p = decide(ok(staged), policy, at(now, 3 * HOUR), true);
    expect(p.action).toBe('promote-ca');
    const promoted = applyDecision(p, ok(staged), policy, at(now, 3 * HOUR))!;
    expect(promoted.ca).toEqual(staged.next!.ca);
    expect(promoted.next).toBeUndefined();
    expect(issuedBy(promoted.serving.certPem, promoted.ca.certPem)).toBe(true);
    // The old CA stays trusted until it expires, then is pruned.
    expect(bundleContains(promoted.bundle, [s.ca.certPem, promoted.ca.certPem])).toBe(true);
    expect(decide(ok(promoted), policy, at(now, 4 * HOUR), true).action).toBe('none');
    const afterOld = at(t0, 101 * DAY);
    const r = decide(ok(promoted), policy, afterOld, true);
    expect(r.action).toBe('rebundle');
    const pruned = applyDecision(r, ok(promoted), policy, afterOld)!;
    expect(splitPem(pruned.bundle)).toHaveLength(1);
    expect(bundleContains(pruned.bundle, [promoted.ca.certPem])).toBe(true);
  });

  it('recreates everything when the CA has expired', () => {
    const s = created();
    expect(decide(ok(s), policy, at(t0, 101 * DAY), true).action).toBe('create');
  });

  it('adds a missing current CA back into the bundle', () => {
    const s = created();
    expect(decide(ok({ ...s, bundle: '' }), policy, t0, true)).toEqual({ action: 'rebundle', reason: 'the CA bundle has expired or missing CAs' });
  });
});

describe('a year of rotations, checked every six hours', () => {
  it('never serves a certificate the published bundle does not trust, and never thrashes', () => {
    let state = created();
    let published = state.bundle;
    const actions: string[] = [];
    const end = at(t0, 365 * DAY);
    for (let now = at(t0, 6 * HOUR); now < end; now = at(now, 6 * HOUR)) {
      const isPublished = state.next === undefined || bundleContains(published, [state.next.ca.certPem]);
      const { decision, next } = step(state, now, isPublished);
      if (decision.action !== 'none') {
        actions.push(decision.action);
        // The API server still has the old bundle while replicas switch to the new certificate,
        // and replicas still serve the old certificate after the new bundle is published.
        expect(trusted(next.serving.certPem, published), `${decision.action} at ${now.toISOString()}`).toBe(true);
        expect(trusted(state.serving.certPem, next.bundle), `${decision.action} at ${now.toISOString()}`).toBe(true);
        // Applying the decision settles it: the same check right after does nothing.
        expect(decide(ok(next), policy, now, true).action).toBe('none');
      }
      state = next;
      published = state.bundle;
      expect(new X509Certificate(state.serving.certPem).validToDate.getTime()).toBeGreaterThan(now.getTime());
    }
    expect(actions).not.toContain('create');
    expect(actions.filter((a) => a === 'stage-ca')).toHaveLength(3);
    expect(actions.filter((a) => a === 'promote-ca')).toHaveLength(3);
    expect(actions.filter((a) => a === 'renew-serving').length).toBeGreaterThanOrEqual(12);
  });
});
