#!/usr/bin/env node
/**
 * tenant-guard's command line. Exit codes: 0 success/allowed, 1 a finding
 * (denied, drift), 2 bad input or usage.
 */
import { runAudit } from './audit.js';
import { runCerts } from './certs.js';
import { runCheck } from './check.js';
import { runController } from './controller.js';
import { runFloor } from './floor.js';
import { runServe } from './serve.js';
import { UsageError } from './args.js';

const USAGE = `usage: tenant-guard <command> [flags]

commands:
  serve   --config FILE [--port N] [--host ADDR] [--cert FILE --key FILE] [--dev] [--tls-mode files|self|dev]
          [--kubeconfig FILE] [--controller]
          run the HTTPS admission webhook (with --controller, the baseline controller too)
  check   -f FILE [-f FILE ...] [--config FILE] [--namespaces FILE] [--namespace NS] [--tenant T]
          [--user NAME] [--group G ...] [--operation CREATE|UPDATE|DELETE] [-o text|json]
          the webhook's verdict for every document, offline (exit 0 allowed, 1 denied, 2 bad input)
  certs   --out DIR [--dns NAME ...] [--ip ADDR ...] [--days N]
          write a CA and a serving certificate (ca.crt, tls.crt, tls.key)
  floor   [--config FILE] [--namespace NS] [--exempt-user USER ...] [--exclude-namespace NS ...] [-o yaml|json]
          print the outage-safe ValidatingAdmissionPolicies, bindings and parameter object
  controller --config FILE [--kubeconfig FILE] [--port N] [--host ADDR] [--identity ID]
          keep every tenant namespace's baseline policies in place (metrics on a plain-HTTP port)
  audit   [--kubeconfig FILE] [--config FILE] [-o text|json] [--page-size N]
          list what exists that the webhook would refuse today, and missing baselines
          (exit 0 clean, 1 findings, 2 bad input or API unreachable)
`;

type Command = (argv: string[], out: (s: string) => void) => Promise<number>;

const commands: Record<string, Command> = {
  serve: (argv) => runServe(argv),
  check: runCheck,
  certs: runCerts,
  floor: runFloor,
  controller: (argv) => runController(argv),
  audit: runAudit,
};

export async function main(argv: string[], out: (s: string) => void = (s) => process.stdout.write(`${s}\n`), err: (s: string) => void = (s) => process.stderr.write(`${s}\n`)): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    out(USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (command === undefined) {
    err(`tenant-guard: unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  try {
    return await command(rest, out);
  } catch (e) {
    if (e instanceof UsageError) {
      err(`tenant-guard ${name}: ${e.message}`);
      return 2;
    }
    err(`tenant-guard ${name}: unexpected error: ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }
}

// Run only when executed, not when imported by tests.
const invoked = process.argv[1] ?? '';
if (invoked.endsWith('/cli/main.js') || invoked.endsWith('/cli/main.ts') || invoked.endsWith('tenant-guard')) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
