/**
 * tenant-guard's command line: the commands and their flags (commander), and
 * main(), which runs one command line and returns its exit code: 0 success or
 * allowed, 1 a finding (denied, drift), 2 bad input or usage. Help and
 * --version exit 0. Nothing here runs on import; the executable entry is
 * main.ts.
 */
import { Command, CommanderError } from 'commander';
import { UsageError, type ActionWrapper, type Io } from './args.js';
import { auditCommand } from './audit.js';
import { certsCommand } from './certs.js';
import { checkCommand } from './check.js';
import { completionCommand } from './completion.js';
import { controllerCommand } from './controller.js';
import { floorCommand } from './floor.js';
import { reachCommand } from './reach.js';
import { serveCommand } from './serve.js';
import { cliVersion } from './version.js';

/** What a command module adds to the program: its flags, help, and an action that returns the exit code. */
export type CommandModule = (program: Command, io: Io, action: ActionWrapper) => Command;

export const COMMANDS: readonly CommandModule[] = [serveCommand, checkCommand, auditCommand, floorCommand, controllerCommand, certsCommand, reachCommand, completionCommand];

function withoutTrailingNewline(s: string): string {
  return s.endsWith('\n') ? s.slice(0, -1) : s;
}

/**
 * commander's "option '--days <n>' argument 'soon' is invalid. must be …" as
 * "--days must be …, got "soon"" (and the same for a value from the environment).
 */
export function usageText(message: string): string {
  const m = /^error: option '([^']+)' (?:argument '(.*)'|value '(.*)' from env '([^']+)') is invalid\. (.*?)\.?\n?$/s.exec(message);
  if (m === null) return message.replace(/^error: /, '');
  const flags = (m[1] ?? '').replace(/\s*[<[].*$/, '');
  const reason = (m[5] ?? '').replace(/^Allowed choices are (.*)$/, 'must be one of $1');
  const subject = m[4] !== undefined ? `$${m[4]} (${flags})` : flags;
  return `${subject} ${reason}, got "${m[2] ?? m[3] ?? ''}"\n`;
}

/** The program and a way to read the exit code its action set. Exported for the generated reference and completion. */
export function buildProgram(io: Io, name = 'tenant-guard'): { program: Command; exitCode: () => number } {
  let code = 0;
  const program = new Command(name);
  const errorsAs = (cmd: Command, prefix: string) => cmd.configureOutput({
    writeOut: (s) => io.out(withoutTrailingNewline(s)),
    writeErr: (s) => io.err(withoutTrailingNewline(s)),
    outputError: (s, write) => write(`${prefix}: ${usageText(s)}`),
  });
  errorsAs(program, name);
  program
    .description('Network isolation between the tenants of a Kubernetes cluster: the admission webhook, its controller, and the same verdicts offline.')
    .version(cliVersion(), '--version', 'print the version and exit')
    .helpOption('-h, --help', 'show help for the command')
    .helpCommand('help [command]', 'show help for a command')
    .showSuggestionAfterError(true)
    .exitOverride()
    .addHelpText('after', `\nExit codes: 0 success or allowed, 1 a finding (refused, drift), 2 bad input or usage.\nRun "${name} <command> --help" for a command's flags.`);
  const action: ActionWrapper = <T,>(commandName: string, run: (opts: T, args: string[]) => Promise<number>) => async (...args: unknown[]) => {
    // commander passes the positional arguments, then the options, then the command.
    const cmd = args[args.length - 1] as Command;
    const positional = args.slice(0, -2).filter((a): a is string => typeof a === 'string');
    try {
      code = await run(cmd.opts() as T, positional);
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      io.err(`${name} ${commandName}: ${e.message}`);
      code = 2;
    }
  };
  for (const add of COMMANDS) {
    const cmd = add(program, io, action);
    errorsAs(cmd, `${name} ${cmd.name()}`);
  }
  return { program, exitCode: () => code };
}

function defaultIo(): Io {
  return {
    out: (s) => process.stdout.write(`${s}\n`),
    err: (s) => process.stderr.write(`${s}\n`),
    stdin: readStdin,
    isTTY: process.stdout.isTTY,
  };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The name the program was started as: `kubectl tenant-guard` when kubectl
 * runs it as the plugin `kubectl-tenant_guard`, tenant-guard otherwise
 * (whatever the file is called or linked as).
 */
export function invokedName(argv1: string | undefined): string {
  const base = (argv1 ?? '').split(/[\\/]/).pop() ?? '';
  const plugin = /^kubectl-([^.]+)/.exec(base);
  return plugin?.[1] !== undefined ? `kubectl ${plugin[1].replace(/_/g, '-')}` : 'tenant-guard';
}

export async function main(argv: string[], io: Partial<Io> = {}, name = 'tenant-guard'): Promise<number> {
  const full: Io = { ...defaultIo(), ...io };
  const { program, exitCode } = buildProgram(full, name);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode();
  } catch (e) {
    // commander has already written its message (or the help, or the version).
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    const command = argv[0] ?? '';
    full.err(`${name} ${command}: unexpected error: ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }
}
