import { createPrivateKey, X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { issueCA, issueServing } from './issue.js';

describe('issueServing', () => {
  const ca = issueCA('test-ca', 2);
  const serving = issueServing(ca, { dnsNames: ['tenant-guard.tenant-guard.svc', 'localhost'], ips: ['127.0.0.1'], days: 1 });
  const cert = new X509Certificate(serving.certPem);
  const caCert = new X509Certificate(ca.certPem);

  it('has an ECDSA P-256 key that matches the certificate, and the CA keeps RSA', () => {
    expect(cert.publicKey.asymmetricKeyType).toBe('ec');
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(cert.checkPrivateKey(createPrivateKey(serving.keyPem))).toBe(true);
    expect(caCert.publicKey.asymmetricKeyType).toBe('rsa');
  });

  it('is signed by the CA, for the names asked, and is no CA itself', () => {
    expect(cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.checkIssued(caCert)).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.subjectAltName).toBe('DNS:tenant-guard.tenant-guard.svc, DNS:localhost, IP Address:127.0.0.1');
    expect(cert.checkHost('tenant-guard.tenant-guard.svc')).toBe('tenant-guard.tenant-guard.svc');
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.keyUsage ?? []).toEqual(['1.3.6.1.5.5.7.3.1']);
  });

  it('is not signed by another CA', () => {
    expect(cert.verify(new X509Certificate(issueCA('other-ca', 2).certPem).publicKey)).toBe(false);
  });

  it('serves TLS to a client that trusts only the CA', async () => {
    const server = tls.createServer({ key: serving.keyPem, cert: serving.certPem, minVersion: 'TLSv1.2' }, (s) => s.end('ok'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    try {
      const socket = tls.connect({ host: '127.0.0.1', port, ca: ca.certPem, servername: 'localhost' });
      await once(socket, 'secureConnect');
      expect(socket.authorized).toBe(true);
      expect(socket.getPeerX509Certificate()?.publicKey.asymmetricKeyType).toBe('ec');
      socket.destroy();
    } finally {
      server.close();
    }
  });
});
