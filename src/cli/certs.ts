/** `tenant-guard certs`: a CA and a serving certificate, written as ca.crt, tls.crt and tls.key. */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { Command } from 'commander';
import { issueCA, issueServing } from '../certs/issue.js';
import { collect, UsageError, wholeNumber, type Io, type ActionWrapper } from './args.js';

/** RFC 1123 host names, optionally a leading wildcard label, as Service DNS names are written. */
const DNS_NAME = /^(\*\.)?[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/i;

interface CertsFlags {
  out?: string;
  dns?: string[];
  ip?: string[];
  days?: number;
}

export function certsCommand(program: Command, io: Io, action: ActionWrapper): Command {
  return program.command('certs')
    .summary('write a CA and a serving certificate')
    .description('Write a CA (RSA 2048) and a serving certificate (ECDSA P-256) for the webhook: ca.crt, tls.crt and tls.key (mode 0600). Without --dns or --ip, the certificate is for localhost and 127.0.0.1.')
    .option('--out <dir>', 'folder to write ca.crt, tls.crt and tls.key into (required)')
    .option('--dns <name>', 'a DNS name of the serving certificate; repeatable', collect)
    .option('--ip <addr>', 'an IP address of the serving certificate; repeatable', collect)
    .option('--days <n>', 'validity in days (default: 365)', wholeNumber)
    .action(action<CertsFlags>('certs', (flags) => runCerts(flags, (s) => io.out(s))));
}

async function runCerts(values: CertsFlags, out: (s: string) => void): Promise<number> {
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
  const days = values.days ?? 365;
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
