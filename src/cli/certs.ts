/** `tenant-guard certs`: a CA and a serving certificate, written as ca.crt, tls.crt and tls.key. */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { issueCA, issueServing } from '../certs/issue.js';
import { intFlag, parse, UsageError } from './args.js';

/** RFC 1123 host names, optionally a leading wildcard label, as Service DNS names are written. */
const DNS_NAME = /^(\*\.)?[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/i;

export async function runCerts(argv: string[], out: (s: string) => void): Promise<number> {
  const { values } = parse(argv, {
    out: { type: 'string' },
    dns: { type: 'string', multiple: true },
    ip: { type: 'string', multiple: true },
    days: { type: 'string' },
  });
  if (values.out === undefined) throw new UsageError('certs needs --out DIR');
  const dns = values.dns ?? [];
  const ips = values.ip ?? [];
  for (const ip of ips) {
    if (isIP(ip) === 0) throw new UsageError(`--ip ${JSON.stringify(ip)} is not an IPv4 or IPv6 address`);
  }
  for (const name of dns) {
    if (!DNS_NAME.test(name) || name.length > 253) throw new UsageError(`--dns ${JSON.stringify(name)} is not a DNS name (labels of letters, digits and "-", separated by dots; "*." allowed in front)`);
  }
  if (dns.length === 0 && ips.length === 0) {
    dns.push('localhost');
    ips.push('127.0.0.1');
  }
  const days = intFlag(values.days, 'days') ?? 365;
  // Validity starts five minutes back (clock skew): zero days would be expired on arrival.
  if (days < 1) throw new UsageError(`--days must be at least 1, got ${days}`);
  const ca = issueCA();
  const serving = issueServing(ca, { dnsNames: dns, ips, days });
  await mkdir(values.out, { recursive: true });
  await writeFile(join(values.out, 'ca.crt'), ca.certPem);
  await writeFile(join(values.out, 'tls.crt'), serving.certPem);
  await writeFile(join(values.out, 'tls.key'), serving.keyPem, { mode: 0o600 });
  await chmod(join(values.out, 'tls.key'), 0o600);
  out(`wrote ${join(values.out, 'ca.crt')}, tls.crt and tls.key for ${[...dns, ...ips].join(', ')} (valid ${days} days)`);
  return 0;
}
