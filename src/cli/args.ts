/**
 * What the commands share for their flags: the I/O they write to, usage
 * errors as values the entry turns into exit 2, and the option kinds that
 * recur (repeatable, whole numbers, output formats, log levels) declared once
 * so every command spells and validates them alike.
 */
import { InvalidArgumentError, Option } from 'commander';

export class UsageError extends Error {}

/** Where a command reads and writes; tests pass their own. */
export interface Io {
  out(s: string): void;
  err(s: string): void;
  /** The whole of standard input, for `-f -`. */
  stdin(): Promise<string>;
  /** Whether stdout is a terminal (pretty logs). */
  isTTY: boolean;
}

/** For flags given more than once: `--group a --group b`. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function wholeNumber(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a whole number.');
  return Number(value);
}

export function intFlag(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a whole number, got "${value}"`);
  return Number(value);
}

export const OUTPUT_FORMATS = ['text', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export function outputOption(choices: readonly string[], fallback: string): Option {
  return new Option('-o, --output <format>', 'output format').choices(choices).default(fallback);
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;

export function logLevelOption(): Option {
  return new Option('--log-level <level>', 'log level').choices(LOG_LEVELS).env('LOG_LEVEL');
}

export function logFormatOption(): Option {
  return new Option('--log-format <format>', 'log lines as JSON, or readable; auto: readable on a terminal, JSON otherwise').choices(LOG_FORMATS).default('auto');
}

export function kubeconfigOption(): Option {
  return new Option('--kubeconfig <file>', 'kubeconfig file (default: in-cluster service account, then $KUBECONFIG, then ~/.kube/config)');
}

/**
 * How program.ts runs a command's action (errors, exit codes). Declared here,
 * beside the other command helpers, so command modules need not import the
 * program that imports them.
 */
export type ActionWrapper = <T>(name: string, run: (opts: T, args: string[]) => Promise<number>) => (...args: unknown[]) => Promise<void>;
