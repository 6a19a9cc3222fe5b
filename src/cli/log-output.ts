/**
 * How the long-running commands log: JSON lines for collectors, or one
 * readable line per entry on a terminal (`--log-format auto`, the default).
 * The readable form is the same entry, redacted the same way: it is made from
 * the JSON line pino wrote, so nothing reaches a terminal that the JSON would
 * not carry.
 */
import type { DestinationStream, Logger } from 'pino';
import { buildLogger } from '../telemetry/logger.js';

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** Fields every entry carries that a reader on a terminal does not need. */
const QUIET = new Set(['time', 'level', 'msg', 'app', 'pid', 'hostname']);

function fieldText(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}

/** One JSON log line as `HH:MM:SS.mmm LEVEL message key=value …`; a line that is not JSON passes through. */
export function readableLine(line: string): string {
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    return line;
  }
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return line;
  const e = entry as Record<string, unknown>;
  const time = typeof e.time === 'string' && e.time.length >= 23 ? e.time.slice(11, 23) : '';
  const level = typeof e.level === 'number' ? (LEVELS[e.level] ?? String(e.level)) : String(e.level);
  const fields = Object.entries(e).filter(([k]) => !QUIET.has(k)).map(([k, v]) => ` ${k}=${fieldText(v)}`).join('');
  return `${time} ${level.padEnd(5)} ${typeof e.msg === 'string' ? e.msg : ''}${fields}\n`;
}

export function readableDestination(write: (s: string) => void): DestinationStream {
  return {
    write(chunk: string) {
      // pino writes whole lines, one entry each.
      for (const line of chunk.split('\n')) if (line !== '') write(readableLine(line));
    },
  };
}

export function commandLogger(level: string | undefined, format: string | undefined, isTTY: boolean): Logger {
  const readable = format === 'pretty' || (format !== 'json' && isTTY);
  return buildLogger(level, readable ? readableDestination((s) => process.stdout.write(s)) : undefined);
}
