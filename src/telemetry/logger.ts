/**
 * Structured JSON logs (pino, as fastify uses). Level from --log-level or
 * LOG_LEVEL; authorization headers and certificate material are redacted
 * should they ever reach a log call. The destination is stdout unless the
 * caller passes one (the CLI's readable format on a terminal).
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import { timeField } from './log-time.js';

export function buildLogger(level: string | undefined, destination?: DestinationStream): Logger {
  const options = {
    level: level ?? process.env.LOG_LEVEL ?? 'info',
    base: { app: 'tenant-guard' },
    redact: { paths: ['req.headers.authorization', '*.keyPem', '*.key', '*.token'], censor: '[redacted]' },
    // pino's isoTime, without a Date per line (log-time.ts).
    timestamp: () => timeField(Date.now()),
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}
