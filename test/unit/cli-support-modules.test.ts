/**
 * The CLI's helpers that need no process: the readable log line made from
 * pino's JSON, and which ConfigMap `audit` takes the installed configuration
 * from.
 */
import { symbols } from 'pino';
import { describe, expect, it } from 'vitest';
import { pickConfigMap } from '../../src/cli/installed-config.js';
import { commandLogger, readableDestination, readableLine } from '../../src/cli/log-output.js';
import { buildLogger } from '../../src/telemetry/logger.js';

describe('readable logs', () => {
  it('time, level, message, then the fields; the fields every line carries are left out', () => {
    const line = JSON.stringify({ level: 30, time: '2026-12-01T22:41:07.123Z', pid: 7, hostname: 'h', app: 'tenant-guard', msg: 'tenant-guard webhook listening', host: '127.0.0.1', port: 8443, tls: 'generated (--dev)' });
    expect(readableLine(line)).toBe('22:41:07.123 INFO  tenant-guard webhook listening host=127.0.0.1 port=8443 tls="generated (--dev)"\n');
  });

  it('objects as JSON, a line that is not JSON unchanged', () => {
    expect(readableLine(JSON.stringify({ level: 50, time: '2026-12-01T22:41:07.123Z', msg: 'x', err: { code: 'E' } }))).toBe('22:41:07.123 ERROR x err={"code":"E"}\n');
    expect(readableLine('plain text')).toBe('plain text');
  });

  it('what reaches the terminal went through the logger\'s redaction', () => {
    const written: string[] = [];
    const log = buildLogger('info', readableDestination((s) => written.push(s)));
    log.info({ tls: { keyPem: 'SECRET' } }, 'loaded');
    expect(written).toHaveLength(1);
    expect(written[0]).toContain('loaded tls={"keyPem":"[redacted]"}');
    expect(written[0]).not.toContain('SECRET');
  });

  it('auto: readable on a terminal, JSON otherwise; json and pretty force it', () => {
    // The destination is what differs: pino's own stream on fd 1 for JSON, the readable writer otherwise.
    const stream = (l: ReturnType<typeof commandLogger>) => (l as unknown as Record<symbol, unknown>)[symbols.streamSym];
    const tty = stream(commandLogger('info', 'auto', true)) as { write: unknown };
    const pipe = stream(commandLogger('info', 'auto', false)) as { write: unknown; fd?: number };
    expect(Object.keys(tty)).toEqual(['write']);
    expect(pipe.fd).toBe(1);
    expect(Object.keys(stream(commandLogger('info', 'pretty', false)) as object)).toEqual(['write']);
    expect((stream(commandLogger('info', 'json', true)) as { fd?: number }).fd).toBe(1);
  });
});

describe('the installed configuration', () => {
  const cm = (name: string, data?: Record<string, string>) => ({ metadata: { name, namespace: 'tenant-guard-system' }, data });

  it('the one ConfigMap of the release that holds config.yaml', () => {
    const r = pickConfigMap([cm('tenant-guard-floor', { other: 'x' }), cm('tenant-guard', { 'config.yaml': 'tenants: []' })], 'tenant-guard-system', undefined);
    expect(r).toEqual({ ok: true, map: cm('tenant-guard', { 'config.yaml': 'tenants: []' }) });
  });

  it('none: says where it looked and how to say otherwise', () => {
    expect(pickConfigMap([], 'tg', undefined)).toEqual({ ok: false, message: 'no configuration of a tenant-guard release (ConfigMap labelled app.kubernetes.io/name=tenant-guard with config.yaml) in namespace tg: pass --config FILE, or --release-namespace/--release to find the installed one' });
    expect(pickConfigMap([cm('x')], 'tg', 'prod')).toEqual({ ok: false, message: 'no configuration of release prod (ConfigMap labelled app.kubernetes.io/instance=prod with config.yaml) in namespace tg: pass --config FILE, or --release-namespace/--release to find the installed one' });
  });

  it('several releases: never a silent choice', () => {
    const r = pickConfigMap([cm('a-tenant-guard', { 'config.yaml': '' }), cm('b-tenant-guard', { 'config.yaml': '' })], 'tg', undefined);
    expect(r).toEqual({ ok: false, message: 'several tenant-guard releases in namespace tg (ConfigMaps a-tenant-guard, b-tenant-guard): pass --release NAME or --config FILE' });
  });
});
