/**
 * CA bundles: the PEM list an API server trusts when it calls the webhook.
 * Pure: parse, merge, dedupe and prune; no I/O.
 *
 * During a CA rotation the bundle holds the old and the new CA, so whichever
 * certificate a replica serves at that moment is trusted. Expired CAs are
 * dropped, duplicates (same DER, however the PEM was wrapped) are kept once,
 * and the order is stable (first seen first) so an unchanged set renders to
 * byte-identical text and never causes a write.
 */
import { X509Certificate } from 'node:crypto';

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** Every CERTIFICATE block of a PEM text, normalised (LF line ends, trailing newline). */
export function splitPem(text: string): string[] {
  return [...text.replace(/\r/g, '').matchAll(PEM_BLOCK)].map((m) => `${m[0].trim()}\n`);
}

export interface ParsedCert {
  pem: string;
  x509: X509Certificate;
  fingerprint: string;
  notBefore: Date;
  notAfter: Date;
}

/** Parses one PEM certificate; undefined when it is not one. */
export function parseCert(pem: string): ParsedCert | undefined {
  try {
    const x509 = new X509Certificate(pem);
    return { pem: `${x509.toString().trim()}\n`, x509, fingerprint: x509.fingerprint256, notBefore: new Date(x509.validFrom), notAfter: new Date(x509.validTo) };
  } catch {
    return undefined;
  }
}

/**
 * One bundle from several PEM texts (each may hold several certificates):
 * unparseable blocks and certificates expired at `now` are dropped, each
 * certificate is kept once, in first-seen order.
 */
export function mergeBundle(texts: readonly string[], now: Date): string {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const text of texts) {
    for (const block of splitPem(text)) {
      const c = parseCert(block);
      if (c === undefined || c.notAfter.getTime() <= now.getTime()) continue;
      if (seen.has(c.fingerprint)) continue;
      seen.add(c.fingerprint);
      out.push(c.pem);
    }
  }
  return out.join('');
}

/** The fingerprints of the certificates in a bundle, for comparisons that ignore PEM formatting. */
export function bundleFingerprints(text: string): string[] {
  return splitPem(text).map(parseCert).filter((c): c is ParsedCert => c !== undefined).map((c) => c.fingerprint);
}

/** True when every certificate of `certs` is in `bundle`. */
export function bundleContains(bundle: string, certs: readonly string[]): boolean {
  const have = new Set(bundleFingerprints(bundle));
  return certs.every((pem) => {
    const c = parseCert(pem);
    return c !== undefined && have.has(c.fingerprint);
  });
}

/** Two bundles trust the same set of certificates in the same order. */
export function sameBundle(a: string, b: string): boolean {
  const fa = bundleFingerprints(a);
  const fb = bundleFingerprints(b);
  return fa.length === fb.length && fa.every((f, i) => f === fb[i]);
}
