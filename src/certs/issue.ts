/**
 * Issuing certificates: a CA and serving certificates signed by it. Keys come
 * from node's crypto (fast, native); node-forge builds and signs the X.509
 * structures. No I/O: callers decide where the PEMs go.
 *
 * The CA key is RSA 2048; the serving key is ECDSA P-256, as the chart's
 * cert-manager Certificate asks for. The API server opens new connections to
 * the webhook all the time (HTTP/1.1, a bounded pool of idle connections, no
 * session resumption: about one call in ten at 50 concurrent creates), and
 * the serving key signs every handshake: P-256 costs a fraction of RSA 2048
 * (bench/handshake.mjs).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

export interface KeyPairPem {
  certPem: string;
  keyPem: string;
}

export interface ServingOptions {
  dnsNames?: readonly string[];
  ips?: readonly string[];
  days?: number;
  /** Certificate start, for tests; defaults to now minus five minutes (clock skew). */
  notBefore?: Date;
  /** Upper bound on notAfter: a certificate never outlives the CA that signs it. */
  notAfterMax?: Date;
}

function newKey(): { forgeKey: forge.pki.rsa.PrivateKey; forgePub: forge.pki.rsa.PublicKey; keyPem: string } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(keyPem);
  const forgePub = forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e);
  return { forgeKey, forgePub, keyPem };
}

/** A serving key: ECDSA P-256, PKCS#8 PEM, and its SubjectPublicKeyInfo as forge reads DER. */
function newServingKey(): { keyPem: string; spki: forge.asn1.Asn1 } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const spki = forge.asn1.fromDer(publicKey.export({ type: 'spki', format: 'der' }).toString('binary'));
  return { keyPem, spki };
}

/**
 * Signs `cert` with the CA's RSA key for a subject key forge cannot encode
 * (it writes only RSA keys): the TBSCertificate is built with a placeholder
 * RSA key, whose SubjectPublicKeyInfo is then replaced by `spki`, and the
 * result is signed as forge's own sign() would (SHA-256 with RSA).
 */
function signWithSubjectKey(cert: forge.pki.Certificate, placeholder: forge.pki.PublicKey, spki: forge.asn1.Asn1, caKey: forge.pki.rsa.PrivateKey): void {
  cert.publicKey = placeholder;
  cert.md = forge.md.sha256.create();
  cert.signatureOid = cert.siginfo.algorithmOid = forge.pki.oids.sha256WithRSAEncryption!;
  // getTBSCertificate is public in node-forge but missing from its type declarations.
  const tbs = (forge.pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 }).getTBSCertificate(cert);
  // TBSCertificate: version, serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo, extensions.
  const fields = tbs.value;
  const expected = forge.asn1.toDer(forge.pki.publicKeyToAsn1(placeholder)).getBytes();
  if (!Array.isArray(fields) || fields[6] === undefined || forge.asn1.toDer(fields[6]).getBytes() !== expected) {
    throw new Error('unexpected TBSCertificate layout from node-forge: cannot place the serving key');
  }
  fields[6] = spki;
  cert.tbsCertificate = tbs;
  cert.md.update(forge.asn1.toDer(tbs).getBytes());
  cert.signature = caKey.sign(cert.md);
}

function serial(): string {
  // Positive, 16 random bytes: unique enough that two replicas never collide.
  const b = randomBytes(16);
  b[0] = (b[0] ?? 0) & 0x7f;
  return b.toString('hex');
}

function validity(cert: forge.pki.Certificate, days: number, notBefore?: Date, notAfterMax?: Date): void {
  const start = notBefore ?? new Date(Date.now() - 5 * 60_000);
  const end = start.getTime() + days * 86_400_000;
  cert.validity.notBefore = start;
  // X.509 times have whole seconds; round down so the bound really holds.
  cert.validity.notAfter = new Date(Math.floor(Math.min(end, notAfterMax?.getTime() ?? end) / 1000) * 1000);
}

export function issueCA(commonName = 'tenant-guard-ca', days = 3650, notBefore?: Date): KeyPairPem {
  const { forgeKey, forgePub, keyPem } = newKey();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forgePub;
  cert.serialNumber = serial();
  validity(cert, days, notBefore);
  const attrs = [{ name: 'commonName', value: commonName }, { name: 'organizationName', value: 'tenant-guard' }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(forgeKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert).replace(/\r\n/g, '\n'), keyPem };
}

export function issueServing(ca: KeyPairPem, opts: ServingOptions): KeyPairPem {
  const dnsNames = opts.dnsNames ?? [];
  const ips = opts.ips ?? [];
  if (dnsNames.length === 0 && ips.length === 0) throw new Error('a serving certificate needs at least one DNS name or IP address');
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const caKey = forge.pki.privateKeyFromPem(ca.keyPem);
  const { keyPem, spki } = newServingKey();
  const cert = forge.pki.createCertificate();
  cert.serialNumber = serial();
  validity(cert, opts.days ?? 365, opts.notBefore, opts.notAfterMax);
  cert.setSubject([{ name: 'commonName', value: dnsNames[0] ?? ips[0] ?? 'tenant-guard' }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    // An ECDSA key signs the handshake; it never encrypts a key (keyEncipherment is for RSA key transport).
    { name: 'keyUsage', digitalSignature: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [...dnsNames.map((value) => ({ type: 2, value })), ...ips.map((ip) => ({ type: 7, ip }))] },
  ]);
  signWithSubjectKey(cert, caCert.publicKey, spki, caKey);
  return { certPem: forge.pki.certificateToPem(cert).replace(/\r\n/g, '\n'), keyPem };
}

/** The Service DNS names a webhook certificate needs. */
export function serviceDnsNames(service: string, namespace: string): string[] {
  return [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`];
}
