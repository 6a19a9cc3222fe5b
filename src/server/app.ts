/**
 * The HTTP surface: POST /mutate and /validate (AdmissionReview v1),
 * /healthz and /readyz. buildApp never listens, so tests drive it with
 * inject() or over real HTTPS. /metrics is not served here: the webhook
 * port must be open to whatever calls admission (the API server, from
 * addresses the chart cannot know), and the process's metrics go to the
 * plain-HTTP port (src/server/ops.ts) that a NetworkPolicy can keep to the
 * monitoring namespace.
 *
 * Status codes say whose mistake it was: a malformed envelope is 400, a
 * body over the limit 413 (before parsing), a wrong content type 415, load
 * shedding 429; a policy refusal is HTTP 200 with allowed: false and code
 * 403 inside; an unexpected failure is an in-band refusal with code 500 and
 * no internals, so failurePolicy only ever governs an unreachable webhook.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { policySettingsOf, type Config } from '../config/schema.js';
import { decodeAdmissionReview, encodeAdmissionResponse } from '../admission/codec.js';
import { countsViolations, handleAdmission, type Endpoint, type HandleDeps } from '../admission/handle.js';
import type { CidrGroupResolver } from '../kube/cidr-group-cache.js';
import type { NamespaceResolver } from '../kube/namespace-view.js';
import type { Metrics } from '../telemetry/metrics.js';

export interface ServerState {
  shuttingDown: boolean;
  /** Extra reasons the server is not ready (certificates not loaded, …). */
  notReady: () => string[];
  /** Reasons the server answers but some decisions are degraded. */
  degraded: () => string[];
  /**
   * Other parts of the process (the baseline controller beside the webhook),
   * shown by name on /readyz and /healthz. They never make the webhook
   * unready: admission decisions do not depend on them.
   */
  components?: (() => Record<string, unknown>) | undefined;
}

export interface AppDeps {
  config: Config;
  namespaces: NamespaceResolver;
  cidrGroups?: CidrGroupResolver | undefined;
  /** Exports and Imports for the sharing rules (see admission/handle.ts). */
  shares?: HandleDeps['shares'];
  metrics: Metrics;
  state?: ServerState;
  https?: { key: string; cert: string } | undefined;
  /** A pino logger; none means silent (tests). */
  log?: FastifyBaseLogger;
}

export function buildApp(deps: AppDeps): FastifyInstance {
  const { config, metrics } = deps;
  const handleDeps: HandleDeps = {
    settings: policySettingsOf(config),
    dnsAllowedElsewhere: config.baseline.egress.enabled && config.baseline.egress.dns,
    namespaces: deps.namespaces,
    cidrGroups: deps.cidrGroups,
    shares: deps.shares,
  };
  const state: ServerState = deps.state ?? { shuttingDown: false, notReady: () => [], degraded: () => [] };
  const opts: FastifyServerOptions & { https?: object } = {
    // One log line per decision is written below; fastify's own per-request lines are off.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.server.bodyLimitBytes,
    keepAliveTimeout: config.server.keepAliveTimeoutMs,
    // Bounded so a slow or stalled client cannot hold a socket for ever.
    requestTimeout: 30_000,
    connectionTimeout: 10_000,
    forceCloseConnections: 'idle',
    // While closing, a request that arrives on an already-open keep-alive
    // connection is still decided, and answered with `Connection: close`.
    // Fastify's default 503 carries no Retry-After, so the API server would
    // not retry it and a rolling restart would fail admissions.
    return503OnClosing: false,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
  };
  if (deps.https !== undefined) opts.https = { ...deps.https, minVersion: 'TLSv1.2' };
  if (deps.log !== undefined) {
    opts.loggerInstance = deps.log;
    // No child logger per request: the lines written here carry the request's uid, and a
    // child (with a reqId fastify counts up from 1 in every process) cost about as much as the log line.
    opts.childLoggerFactory = (logger) => logger;
  } else {
    opts.logger = false;
  }
  const app = Fastify(opts);
  const log = app.log;
  // The decision line is built below from known fields (names, codes, a duration), never from the
  // object or a credential, so it skips the wildcard redaction of the process logger, which cost
  // more than the rest of the line.
  const decisionLog = deps.log !== undefined ? deps.log.child({}, { redact: [] }) : log;

  // `curl -d @review.json` labels JSON as a form; accept it so the README's
  // one-liner works. Every other non-JSON type gets 415.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));

  let inFlight = 0;
  let lastShedAt = 0;

  // Once closing, every answer (also to requests that were in flight when
  // close began) ends its connection: otherwise the client keeps an idle
  // keep-alive socket that holds the server open until keepAliveTimeout,
  // past the shutdown grace period.
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onSend', (_req, reply, payload, done) => {
    if (closing || state.shuttingDown) void reply.header('connection', 'close');
    done(null, payload);
  });

  // A callback hook, not an async one: no promise per request.
  app.addHook('onRequest', (req, reply, done) => {
    if (req.method !== 'POST') {
      done();
      return;
    }
    if (inFlight >= config.server.maxInFlight) {
      metrics.shed.inc();
      lastShedAt = Date.now();
      void reply.code(429).header('retry-after', '1').send({ error: 'Too Many Requests', message: `more than ${config.server.maxInFlight} admission requests in flight; retry` });
      return;
    }
    inFlight++;
    metrics.inFlight.set(inFlight);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      inFlight--;
      metrics.inFlight.set(inFlight);
    };
    reply.raw.once('finish', release);
    reply.raw.once('close', release);
    done();
  });

  app.setErrorHandler(async (err: { statusCode?: number; message: string; code?: string }, req, reply) => {
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) log.error({ method: req.method, url: req.url, err: err.message, code: err.code }, 'unexpected error');
    const message = status === 500 ? 'internal error' : err.message;
    await reply.code(status).send({ error: status === 413 ? 'Payload Too Large' : status === 415 ? 'Unsupported Media Type' : status === 500 ? 'Internal Server Error' : 'Bad Request', message });
  });

  const admission = (endpoint: Endpoint) => async (req: { body: unknown }, reply: { code: (n: number) => { send: (b: unknown) => unknown } }) => {
    const started = process.hrtime.bigint();
    const decoded = decodeAdmissionReview(req.body);
    if (!decoded.ok) {
      log.info({ endpoint, error: decoded.message }, 'malformed admission request');
      return reply.code(400).send({ error: 'Bad Request', message: decoded.message });
    }
    const r = decoded.request;
    let verdictLabel = 'error';
    try {
      const { body, verdict } = await handleAdmission(r, endpoint, handleDeps);
      verdictLabel = verdict.allowed ? 'allowed' : 'denied';
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const relaxed = verdict.relaxed ?? [];
      if (countsViolations(endpoint, verdict)) {
        for (const v of verdict.violations) metrics.violations.inc({ code: v.code, mode: 'deny' });
        for (const v of relaxed) metrics.violations.inc({ code: v.code, mode: v.mode });
      }
      // One line per decision; never the object's contents. Violations admitted by the rollout mode are
      // named by mode, so a dryrun finding is in the log even though nobody was told.
      decisionLog.info({
        endpoint, uid: r.uid, kind: r.kind.kind, namespace: r.namespace, name: r.name, operation: r.operation,
        user: r.userInfo.username, dryRun: r.dryRun === true, allowed: verdict.allowed,
        violations: verdict.violations.map((v) => v.code),
        ...(relaxed.length > 0 ? {
          warned: relaxed.filter((v) => v.mode === 'warn').map((v) => v.code),
          dryrun: relaxed.filter((v) => v.mode === 'dryrun').map((v) => v.code),
        } : {}),
        ms: Math.round(ms * 100) / 100,
      }, 'admission decision');
      return reply.code(200).send(body);
    } catch (err) {
      log.error({ endpoint, uid: r.uid, err: err instanceof Error ? err.message : String(err) }, 'admission handler failed');
      return reply.code(200).send(encodeAdmissionResponse(r.uid, { allowed: false, code: 500, message: `tenant-guard internal error while deciding request ${r.uid}; retry, and report it if it persists` }));
    } finally {
      metrics.admissions.inc({ endpoint, kind: r.kind.kind, operation: r.operation, verdict: verdictLabel });
      metrics.admissionSeconds.observe({ endpoint }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  };

  app.post('/mutate', admission('mutate'));
  app.post('/validate', admission('validate'));

  app.get('/healthz', () => ({ status: 'ok', ...state.components?.() }));

  app.get('/readyz', async (_req, reply) => {
    const reasons = [...state.notReady()];
    if (state.shuttingDown) reasons.push('shutting down');
    if (Date.now() - lastShedAt < 5_000) reasons.push(`overloaded: shed requests in the last 5 s (more than ${config.server.maxInFlight} in flight)`);
    const degraded = [...state.degraded()];
    const nsReason = deps.namespaces.degraded();
    if (nsReason !== undefined) degraded.push(`policy decisions fail closed: ${nsReason}`);
    const groupsReason = deps.cidrGroups?.degraded();
    if (groupsReason !== undefined) degraded.push(`cidrGroupRef decisions fail closed: ${groupsReason}`);
    const components = state.components?.();
    if (reasons.length > 0) return reply.code(503).send({ status: 'not ready', reasons, degraded, ...components });
    return reply.code(200).send({ status: degraded.length > 0 ? 'degraded' : 'ok', degraded, ...components });
  });

  return app;
}
