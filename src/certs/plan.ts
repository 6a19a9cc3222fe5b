/**
 * Self-managed certificates, the pure part: what the Secret holds, how it is
 * encoded, and what to do next given its content and the clock. The rotator
 * (rotator.ts) does the reading and writing; every decision is made here so
 * it can be tested without a cluster.
 *
 * Rotation without a failed admission:
 *  - a serving certificate near its end is reissued by the same CA, which the
 *    API server already trusts;
 *  - a CA near its end is first *staged*: a new CA is generated and added to
 *    the bundle next to the current one, and the bundle is published into the
 *    webhook configurations. Only once the bundle has been published and has
 *    had `caOverlapMs` to reach every API server is the new CA *promoted*: it
 *    signs a new serving certificate. Replicas still serving the old
 *    certificate stay trusted because the old CA stays in the bundle until it
 *    expires.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mergeBundle, parseCert, sameBundle } from './bundle.js';
import { issueCA, issueServing, type KeyPairPem } from './issue.js';

/** Keys of the Secret. tls.crt/tls.key make it a valid kubernetes.io/tls Secret. */
export const SECRET_KEYS = {
  caCert: 'ca.crt',
  caKey: 'ca.key',
  tlsCert: 'tls.crt',
  tlsKey: 'tls.key',
  bundle: 'ca-bundle.crt',
  nextCaCert: 'next-ca.crt',
  nextCaKey: 'next-ca.key',
} as const;

/** When the staged CA was added to the bundle (RFC 3339). */
export const STAGED_AT_ANNOTATION = 'tenant-guard.io/next-ca-staged-at';

export interface CertState {
  ca: KeyPairPem;
  serving: KeyPairPem;
  /** PEM list of every CA the API server must trust now. */
  bundle: string;
  /** A CA in the bundle that does not sign yet. */
  next?: { ca: KeyPairPem; stagedAt: Date } | undefined;
}

export interface RotationPolicy {
  /** Names the serving certificate must carry. */
  dnsNames: readonly string[];
  ips: readonly string[];
  caValidityMs: number;
  certValidityMs: number;
  /** Renew (or stage a new CA) when less than this is left. */
  renewBeforeMs: number;
  /** How long a staged CA sits in the published bundle before it signs. */
  caOverlapMs: number;
}

export type Decision =
  | { action: 'create'; reason: string }
  | { action: 'renew-serving'; reason: string }
  | { action: 'stage-ca'; reason: string }
  | { action: 'promote-ca'; reason: string }
  | { action: 'rebundle'; reason: string }
  | { action: 'none'; reason: string };

export type Decoded = { ok: true; state: CertState } | { ok: false; reason: string };

const DAY = 86_400_000;

/** Checks the policy can never thrash (a fresh certificate already due for renewal). */
export function policyProblems(p: RotationPolicy): string[] {
  const problems: string[] = [];
  if (p.dnsNames.length === 0 && p.ips.length === 0) problems.push('the serving certificate needs at least one DNS name or IP address');
  if (!(p.renewBeforeMs > 0)) problems.push('renewBefore must be positive');
  if (!(p.certValidityMs > p.renewBeforeMs)) problems.push('the certificate validity must be longer than renewBefore');
  if (!(p.caValidityMs >= p.certValidityMs)) problems.push('the CA validity must be at least the certificate validity');
  if (!(p.caOverlapMs >= 0)) problems.push('caOverlap must not be negative');
  return problems;
}

function b64(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64');
}

function unb64(s: string | undefined): string | undefined {
  return s === undefined ? undefined : Buffer.from(s, 'base64').toString('utf8');
}

function pairProblem(pair: { certPem: string | undefined; keyPem: string | undefined }, what: string): string | undefined {
  if (pair.certPem === undefined || pair.keyPem === undefined) return `${what}: missing`;
  try {
    const x = new X509Certificate(pair.certPem);
    if (!x.checkPrivateKey(createPrivateKey(pair.keyPem))) return `${what}: the key does not match the certificate`;
  } catch (err) {
    return `${what}: not a PEM certificate and key (${(err as Error).message})`;
  }
  return undefined;
}

/** Reads the Secret's `data` (base64 values) and annotations. */
export function decodeSecret(data: Readonly<Record<string, string>> | undefined, annotations: Readonly<Record<string, string>> | undefined): Decoded {
  if (data === undefined) return { ok: false, reason: 'the Secret has no data' };
  const get = (k: string) => unb64(data[k]);
  const ca = { certPem: get(SECRET_KEYS.caCert), keyPem: get(SECRET_KEYS.caKey) };
  const serving = { certPem: get(SECRET_KEYS.tlsCert), keyPem: get(SECRET_KEYS.tlsKey) };
  const problem = pairProblem(ca, 'CA') ?? pairProblem(serving, 'serving certificate');
  if (problem !== undefined) return { ok: false, reason: problem };
  const state: CertState = {
    ca: ca as KeyPairPem,
    serving: serving as KeyPairPem,
    bundle: get(SECRET_KEYS.bundle) ?? '',
  };
  const next = { certPem: get(SECRET_KEYS.nextCaCert), keyPem: get(SECRET_KEYS.nextCaKey) };
  const stagedAt = new Date(annotations?.[STAGED_AT_ANNOTATION] ?? '');
  // A half-written or unreadable staged CA is forgotten; it is staged again.
  if (pairProblem(next, 'next CA') === undefined && !Number.isNaN(stagedAt.getTime())) {
    state.next = { ca: next as KeyPairPem, stagedAt };
  }
  return { ok: true, state };
}

export function encodeSecret(state: CertState): { data: Record<string, string>; annotations: Record<string, string> } {
  const data: Record<string, string> = {
    [SECRET_KEYS.caCert]: b64(state.ca.certPem),
    [SECRET_KEYS.caKey]: b64(state.ca.keyPem),
    [SECRET_KEYS.tlsCert]: b64(state.serving.certPem),
    [SECRET_KEYS.tlsKey]: b64(state.serving.keyPem),
    [SECRET_KEYS.bundle]: b64(state.bundle),
  };
  const annotations: Record<string, string> = {};
  if (state.next !== undefined) {
    data[SECRET_KEYS.nextCaCert] = b64(state.next.ca.certPem);
    data[SECRET_KEYS.nextCaKey] = b64(state.next.ca.keyPem);
    annotations[STAGED_AT_ANNOTATION] = state.next.stagedAt.toISOString();
  }
  return { data, annotations };
}

/** The bundle the state should publish: what it had, plus the current and staged CA, minus expired ones. */
export function canonicalBundle(state: CertState, now: Date): string {
  return mergeBundle([state.bundle, state.ca.certPem, state.next?.ca.certPem ?? ''], now);
}

/** DNS names and IPs of the serving certificate's subjectAltName. */
export function subjectAltNames(certPem: string): { dns: string[]; ips: string[] } {
  const san = new X509Certificate(certPem).subjectAltName ?? '';
  const dns: string[] = [];
  const ips: string[] = [];
  for (const part of san.split(/,\s*/)) {
    if (part.startsWith('DNS:')) dns.push(part.slice(4));
    else if (part.startsWith('IP Address:')) ips.push(part.slice(11).toLowerCase());
  }
  return { dns, ips };
}

function normaliseIp(ip: string): string {
  // node prints IPv6 SANs in full lower-case form; compare on that.
  if (!ip.includes(':')) return ip;
  const [head = '', tail = ''] = ip.toLowerCase().split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === '' ? [] : tail.split(':');
  const groups = ip.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  return groups.map((g) => g.replace(/^0+(?=.)/, '')).join(':');
}

function missingNames(certPem: string, p: RotationPolicy): string[] {
  const have = subjectAltNames(certPem);
  const dns = new Set(have.dns);
  const ips = new Set(have.ips.map(normaliseIp));
  return [...p.dnsNames.filter((d) => !dns.has(d)), ...p.ips.filter((ip) => !ips.has(normaliseIp(ip)))];
}

/**
 * What to do with the Secret's content. `decoded` is undefined when there is
 * no Secret. `published` says whether the webhook configurations already
 * carry the staged CA (only then may it be promoted).
 */
export function decide(decoded: Decoded | undefined, policy: RotationPolicy, now: Date, published: boolean): Decision {
  if (decoded === undefined) return { action: 'create', reason: 'no certificate Secret yet' };
  if (!decoded.ok) return { action: 'create', reason: `the certificate Secret is not usable: ${decoded.reason}` };
  const s = decoded.state;
  const t = now.getTime();
  const ca = parseCert(s.ca.certPem);
  const serving = parseCert(s.serving.certPem);
  if (ca === undefined || serving === undefined) return { action: 'create', reason: 'the certificate Secret holds unparseable certificates' };
  if (ca.notAfter.getTime() <= t) return { action: 'create', reason: `the CA expired on ${ca.notAfter.toISOString()}` };

  if (s.next !== undefined) {
    const waited = t - s.next.stagedAt.getTime();
    if (waited >= policy.caOverlapMs && published) {
      return { action: 'promote-ca', reason: `the new CA has been trusted for ${Math.round(waited / 1000)} s` };
    }
  } else if (ca.notAfter.getTime() - t <= policy.renewBeforeMs) {
    return { action: 'stage-ca', reason: `the CA expires on ${ca.notAfter.toISOString()}, within the renewal window` };
  }

  const caInWindow = ca.notAfter.getTime() - t <= policy.renewBeforeMs;
  if (!serving.x509.checkIssued(ca.x509) || !serving.x509.verify(ca.x509.publicKey)) {
    return { action: 'renew-serving', reason: 'the serving certificate is not signed by the CA' };
  }
  if (serving.notAfter.getTime() <= t) {
    return { action: 'renew-serving', reason: `the serving certificate expired on ${serving.notAfter.toISOString()}` };
  }
  // While a new CA waits to be promoted, promotion brings a new serving
  // certificate; renewing with the old CA would only give one that is due again.
  if (!caInWindow && serving.notAfter.getTime() - t <= policy.renewBeforeMs) {
    return { action: 'renew-serving', reason: `the serving certificate expires on ${serving.notAfter.toISOString()}, within the renewal window` };
  }
  const missing = missingNames(s.serving.certPem, policy);
  if (missing.length > 0) return { action: 'renew-serving', reason: `the serving certificate lacks ${missing.join(', ')}` };

  if (!sameBundle(s.bundle, canonicalBundle(s, now))) return { action: 'rebundle', reason: 'the CA bundle has expired or missing CAs' };
  return { action: 'none', reason: 'certificates are valid' };
}

function serving(ca: KeyPairPem, p: RotationPolicy, now: Date): KeyPairPem {
  const caEnd = parseCert(ca.certPem)?.notAfter;
  return issueServing(ca, {
    dnsNames: p.dnsNames, ips: p.ips, days: p.certValidityMs / DAY,
    notBefore: new Date(now.getTime() - 5 * 60_000), notAfterMax: caEnd,
  });
}

function newCA(p: RotationPolicy, now: Date): KeyPairPem {
  return issueCA('tenant-guard-ca', p.caValidityMs / DAY, new Date(now.getTime() - 5 * 60_000));
}

/** Carries out a decision: the new Secret content (issuing keys is CPU only, no I/O). */
export function applyDecision(decision: Decision, decoded: Decoded | undefined, policy: RotationPolicy, now: Date): CertState | undefined {
  const prev = decoded?.ok === true ? decoded.state : undefined;
  let next: CertState;
  switch (decision.action) {
    case 'none':
      return undefined;
    case 'create': {
      const ca = newCA(policy, now);
      // Keep trusting a previous CA that has not expired: replicas may still serve its certificate.
      next = { ca, serving: serving(ca, policy, now), bundle: prev?.bundle ?? '' };
      break;
    }
    case 'renew-serving':
      if (prev === undefined) throw new Error('renew-serving needs a decoded state');
      next = { ...prev, serving: serving(prev.ca, policy, now) };
      break;
    case 'stage-ca':
      if (prev === undefined) throw new Error('stage-ca needs a decoded state');
      next = { ...prev, next: { ca: newCA(policy, now), stagedAt: now } };
      break;
    case 'promote-ca': {
      if (prev?.next === undefined) throw new Error('promote-ca needs a staged CA');
      const ca = prev.next.ca;
      next = { ca, serving: serving(ca, policy, now), bundle: prev.bundle };
      break;
    }
    case 'rebundle':
      if (prev === undefined) throw new Error('rebundle needs a decoded state');
      next = { ...prev };
      break;
  }
  next.bundle = canonicalBundle(next, now);
  return next;
}
