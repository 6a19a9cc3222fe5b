/**
 * What a new TLS connection costs the webhook: server CPU per handshake
 * (TLS 1.3, the client trusting only the CA, one request-sized write each)
 * for the serving certificate tenant-guard issues (ECDSA P-256) beside an
 * RSA 2048 one, the key the self-managed mode used before. The API server
 * opens new connections to the webhook all the time (HTTP/1.1 with a bounded
 * idle pool, no session resumption), so this is paid on a share of calls.
 *
 *   npm run build && node bench/handshake.mjs        # about 10 s
 *
 * Each server is a child process, so its CPU time is its own; the rounds
 * alternate between the two keys, and the median round is reported.
 */
import { fork } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import tls from 'node:tls';
import forge from 'node-forge';

const N = Number(process.env.BENCH_HANDSHAKES ?? 300);
const ROUNDS = Number(process.env.BENCH_HANDSHAKE_ROUNDS ?? 3);

if (process.argv[2] === 'server') {
  const { key, cert } = JSON.parse(process.argv[3]);
  const server = tls.createServer({ key, cert, minVersion: 'TLSv1.2' }, (s) => {
    s.on('error', () => {});
    s.once('data', () => s.end('ok'));
  });
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
  process.on('message', () => {
    const u = process.cpuUsage();
    process.send({ cpu: u.user + u.system });
  });
} else {
  const { issueCA, issueServing } = await import(new URL('../dist/certs/issue.js', import.meta.url).href);
  const ca = issueCA('bench-ca', 2);
  const ecdsa = issueServing(ca, { dnsNames: ['localhost'], ips: ['127.0.0.1'], days: 2 });
  const rsa = rsaServing(ca);
  const results = { 'ECDSA P-256 (issued by tenant-guard)': [], 'RSA 2048': [] };
  const pairs = [['ECDSA P-256 (issued by tenant-guard)', ecdsa], ['RSA 2048', rsa]];
  for (let r = 0; r < ROUNDS; r++) {
    for (const [label, pair] of pairs) results[label].push(await measure(pair, ca.certPem));
  }
  const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
  console.log(`${N} new TLS connections per round, ${ROUNDS} rounds, median round; Node ${process.version}`);
  console.log('| serving key | server CPU per new connection (µs) |\n|---|---:|');
  for (const [label, v] of Object.entries(results)) console.log(`| ${label} | ${Math.round(med(v))} |`);
}

async function measure(pair, caPem) {
  const child = fork(new URL(import.meta.url).pathname, ['server', JSON.stringify({ key: pair.keyPem, cert: pair.certPem })]);
  const [{ port }] = await once(child, 'message');
  const one = () => new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, ca: caPem, servername: 'localhost' }, () => s.write('x'));
    s.once('data', () => { s.destroy(); resolve(); });
    s.once('error', reject);
  });
  const cpu = async () => { child.send({}); return (await once(child, 'message'))[0].cpu; };
  for (let i = 0; i < 30; i++) await one();
  const before = await cpu();
  for (let i = 0; i < N; i++) await one();
  const after = await cpu();
  child.kill();
  await once(child, 'exit');
  return (after - before) / N;
}

/** An RSA 2048 serving certificate from the same CA, for comparison. */
function rsaServing(ca) {
  const keyPem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const key = forge.pki.privateKeyFromPem(keyPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 86_400_000);
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  cert.setSubject([{ name: 'commonName', value: 'localhost' }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] }]);
  cert.sign(forge.pki.privateKeyFromPem(ca.keyPem), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem };
}
