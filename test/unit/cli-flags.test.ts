/**
 * The parser as a user meets it: every command's --help exits 0 and lists
 * every flag the command accepts, --version, suggestions for misspellings,
 * bad values named with the valid choices (exit 2), shell completion made
 * from the same parser, and the name it runs as (a kubectl plugin).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bashCompletion, zshCompletion } from '../../src/cli/completion.js';
import { buildProgram, invokedName, main, usageText } from '../../src/cli/program.js';
import { repo, run } from './cli-support.js';

const silent = { out: () => undefined, err: () => undefined, stdin: () => Promise.resolve(''), isTTY: false };
const { program } = buildProgram(silent);
const commands = program.commands.filter((c) => c.name() !== 'help');

describe('--help', () => {
  it('knows the seven commands and completion', () => {
    expect(commands.map((c) => c.name()).sort()).toEqual(['audit', 'certs', 'check', 'completion', 'controller', 'floor', 'reach', 'serve']);
  });

  it.each(commands.map((c) => [c.name(), c] as const))('%s --help and -h exit 0 and list every flag', async (name, cmd) => {
    for (const flag of ['--help', '-h']) {
      const r = await run(name, flag);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain(`Usage: tenant-guard ${name} `);
      for (const o of cmd.options) {
        expect(r.stdout).toContain(o.flags);
      }
    }
  });

  it('the flags the old usage left out are there', async () => {
    expect((await run('check', '--help')).stdout).toMatch(/--fix[\s\S]*--in-place/);
    expect((await run('check', '--help')).stdout).toContain('-n, --namespace <ns>');
    expect((await run('serve', '--help')).stdout).toContain('--log-level <level>');
    expect((await run('controller', '--help')).stdout).toContain('--log-level <level>');
  });

  it('help COMMAND is the same as COMMAND --help', async () => {
    expect((await run('help', 'audit')).stdout).toBe((await run('audit', '--help')).stdout);
  });

  it('--version prints package.json\'s version', async () => {
    const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string };
    const r = await run('--version');
    expect(r).toEqual({ code: 0, stdout: pkg.version, stderr: '' });
  });
});

describe('usage errors: exit 2, with what would be right', () => {
  it.each([
    [['serve', '--log-level', 'verbose'], 'tenant-guard serve: --log-level must be one of fatal, error, warn, info, debug, trace, silent, got "verbose"'],
    [['serve', '--tls-mode', 'acme'], 'tenant-guard serve: --tls-mode must be one of files, self, dev, got "acme"'],
    [['audit', '-o', 'table'], 'tenant-guard audit: -o, --output must be one of text, json, yaml, policyreport, got "table"'],
    [['audit', '--page-size', 'ten'], 'tenant-guard audit: --page-size must be a whole number, got "ten"'],
    [['floor', '-o', 'text', '--exempt-usr', 'x'], 'tenant-guard floor: unknown option \'--exempt-usr\'\n(Did you mean --exempt-user?)'],
    [['audti'], 'tenant-guard: unknown command \'audti\'\n(Did you mean audit?)'],
    [['completion', 'fish'], 'tenant-guard completion: command-argument value \'fish\' is invalid for argument \'shell\'. Allowed choices are bash, zsh.'],
  ])('%j', async (argv, message) => {
    const r = await run(...argv);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(message);
  });

  it('an invalid LOG_LEVEL in the environment is named too', () => {
    expect(usageText('error: option \'--log-level <level>\' value \'loud\' from env \'LOG_LEVEL\' is invalid. Allowed choices are info, debug.\n'))
      .toBe('$LOG_LEVEL (--log-level) must be one of info, debug, got "loud"\n');
  });
});

describe('the name it runs as', () => {
  it('a kubectl plugin file is `kubectl tenant-guard`; any other name is tenant-guard', () => {
    expect(invokedName('/usr/local/bin/kubectl-tenant_guard')).toBe('kubectl tenant-guard');
    expect(invokedName('/home/u/.krew/bin/kubectl-tenant_guard')).toBe('kubectl tenant-guard');
    expect(invokedName('/x/node_modules/.bin/tenant-guard')).toBe('tenant-guard');
    expect(invokedName('/x/dist/cli/main.js')).toBe('tenant-guard');
    expect(invokedName(undefined)).toBe('tenant-guard');
  });

  it('usage and errors say kubectl tenant-guard when run as the plugin', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (s: string) => out.push(s), err: (s: string) => err.push(s) };
    expect(await main(['check', '--help'], io, 'kubectl tenant-guard')).toBe(0);
    expect(out.join('\n')).toContain('Usage: kubectl tenant-guard check [options]');
    expect(await main(['check'], io, 'kubectl tenant-guard')).toBe(2);
    expect(err.at(-1)).toMatch(/^kubectl tenant-guard check: check needs at least one -f FILE/);
  });
});

describe('completion', () => {
  /** What bash offers after `words`, the last word being completed. */
  function complete(script: string, words: string[]): string[] {
    const quoted = words.map((w) => `'${w}'`).join(' ');
    const r = spawnSync('bash', ['-c', `${script}\nCOMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _tenant_guard; printf '%s\\n' "\${COMPREPLY[@]}"`], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout.split('\n').filter((l) => l !== '');
  }
  const bash = bashCompletion(program);

  it('bash: commands, a command\'s flags, and the choices of a flag', () => {
    expect(complete(bash, ['tenant-guard', 'ch'])).toEqual(['check']);
    expect(complete(bash, ['tenant-guard', 'check', '--name'])).toEqual(['--namespaces', '--namespace']);
    expect(complete(bash, ['tenant-guard', 'check', '-f', 'x.yaml', '-o', ''])).toEqual(['text', 'json', 'yaml']);
    expect(complete(bash, ['tenant-guard', 'serve', '--tls-mode', 's'])).toEqual(['self']);
    expect(complete(bash, ['tenant-guard', 'completion', ''])).toEqual(expect.arrayContaining(['bash', 'zsh']));
    expect(complete(bash, ['kubectl-tenant_guard', 'audit', '--rel'])).toEqual(['--release-namespace', '--release']);
  });

  it('bash: the script registers both names', () => {
    expect(bash).toContain('complete -o default -F _tenant_guard tenant-guard kubectl-tenant_guard');
  });

  it('zsh: every flag of every command, with choices and file names', () => {
    const zsh = zshCompletion(program);
    expect(zsh.startsWith('#compdef tenant-guard kubectl-tenant_guard\n')).toBe(true);
    for (const cmd of commands) {
      const line = zsh.split('\n').find((l) => l.trimStart().startsWith(`${cmd.name()}) _arguments`));
      expect(line, cmd.name()).toBeDefined();
      for (const o of cmd.options) expect(line).toContain(`'*${o.long ?? ''}`);
    }
    expect(zsh).toContain("'*--output=[output format]:value:(text json yaml)'");
    expect(zsh).toContain("'*--kubeconfig=[");
    expect(zsh).toMatch(/'\*-f\+\[[^\]]*\]:file:_files'/);
  });

  it('`completion bash` prints the same script', async () => {
    const r = await run('completion', 'bash');
    expect(r.code).toBe(0);
    expect(`${r.stdout}\n`).toBe(bash);
  });
});
