/**
 * The one log line per decision: built from known fields only, so it is
 * written without the process logger's wildcard redaction, and it must never
 * carry the object, a credential or a request body. Other lines keep the
 * redaction.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { StaticNamespaces } from '../../src/kube/namespace-view.js';
import { buildApp } from '../../src/server/app.js';
import { buildLogger } from '../../src/telemetry/logger.js';
import { buildMetrics } from '../../src/telemetry/metrics.js';
import { fixture, makeConfig, NAMESPACES, post } from './helpers.js';

function capture(): { lines: () => Record<string, unknown>[]; app: ReturnType<typeof buildApp>; log: ReturnType<typeof buildLogger> } {
  const written: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      written.push(chunk.toString('utf8'));
      done();
    },
  });
  const log = buildLogger('info', sink);
  const app = buildApp({ config: makeConfig(), namespaces: new StaticNamespaces(NAMESPACES), metrics: buildMetrics({ defaults: false }), log });
  const lines = () => written.join('').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
  return { lines, app, log };
}

const SECRET = 's3cr3t-value-that-must-not-be-logged';

describe('the decision log line', () => {
  it('holds the known fields and nothing of the object, even where the object carries secrets', async () => {
    const { app, lines } = capture();
    const review = fixture('networkpolicy-create-cross-tenant');
    const object = review.request.object as { metadata: Record<string, unknown> };
    object.metadata.annotations = { token: SECRET, key: SECRET, 'kubectl.kubernetes.io/last-applied-configuration': SECRET };
    const res = await post(app, '/validate', review);
    expect(res.statusCode).toBe(200);
    const decisions = lines().filter((l) => l.msg === 'admission decision');
    expect(decisions).toHaveLength(1);
    const line = decisions[0]!;
    expect(Object.keys(line).sort()).toEqual(['allowed', 'app', 'dryRun', 'endpoint', 'kind', 'level', 'ms', 'msg', 'name', 'namespace', 'operation', 'time', 'uid', 'user', 'violations'].sort());
    expect(line).toMatchObject({ endpoint: 'validate', uid: review.request.uid, kind: 'NetworkPolicy', namespace: review.request.namespace, operation: 'CREATE', user: 'alice', allowed: false, dryRun: false });
    expect(line.violations).toEqual(expect.arrayContaining(['SelectorOtherTenant']));
    expect(JSON.stringify(lines())).not.toContain(SECRET);
    await app.close();
  });

  it('one line per request, none from fastify for the request itself', async () => {
    const { app, lines } = capture();
    for (let i = 0; i < 3; i++) await post(app, '/validate', fixture('networkpolicy-create-same-tenant'));
    const all = lines();
    expect(all.filter((l) => l.msg === 'admission decision')).toHaveLength(3);
    expect(all.filter((l) => l.msg !== 'admission decision')).toEqual([]);
    await app.close();
  });

  it('the process logger still redacts other lines', async () => {
    const { app, log, lines } = capture();
    log.info({ tls: { keyPem: SECRET }, auth: { token: SECRET } }, 'other line');
    const line = lines().find((l) => l.msg === 'other line');
    expect(line).toMatchObject({ tls: { keyPem: '[redacted]' }, auth: { token: '[redacted]' } });
    await app.close();
  });
});
