/**
 * Structured JSON logs (pino, as fastify uses). Level from --log-level or
 * LOG_LEVEL; authorization headers and certificate material are redacted
 * should they ever reach a log call.
 */
import { pino, type Logger } from 'pino';

export function buildLogger(level: string | undefined): Logger {
  return pino({
    level: level ?? process.env.LOG_LEVEL ?? 'info',
    base: { app: 'tenant-guard' },
    redact: { paths: ['req.headers.authorization', '*.keyPem', '*.key', '*.token'], censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
