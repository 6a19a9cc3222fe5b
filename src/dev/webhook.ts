/**
 * The webhook of the development cluster: which command runs it (the built
 * tenant-guard, a command of the caller's, or the trivial test webhook),
 * recorded in <state>/webhook so `webhook-start` runs the same one again; its
 * registration with the API server; and the probes that tell when the API
 * server's calls really reach it.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { NAME_LABEL } from '../policy/vocabulary.js';
import { writeWebhookCerts } from './credentials.js';
import { kubeconfigOf, logFile, pidFile, REPO, WEBHOOK_USER, type ClusterEnv, type Layout } from './layout.js';
import { httpsGet, log, run, startDaemon, waitFor, type RunResult } from './processes.js';

/** kubectl as one of the cluster's users. */
export function kc(l: Layout, c: Pick<ClusterEnv, 'binDir'>, user: string, args: readonly string[], input?: string): Promise<RunResult> {
  return run(join(c.binDir, 'kubectl'), ['--kubeconfig', kubeconfigOf(l, user), '--request-timeout=30s', ...args], { input });
}

const certDir = (l: Layout): string => join(l.webhookDir, 'certs');
const recorded = (l: Layout, what: 'cmd' | 'kind' | 'config'): string => join(l.webhookDir, what);

/** What the webhook command gets (TG_WEBHOOK_CMD's contract). */
function webhookEnv(l: Layout, port: number, config: string): NodeJS.ProcessEnv {
  const dir = certDir(l);
  return {
    ...process.env,
    TG_WEBHOOK_PORT: String(port),
    TG_WEBHOOK_CERT: join(dir, 'tls.crt'),
    TG_WEBHOOK_KEY: join(dir, 'tls.key'),
    TG_WEBHOOK_CA: join(dir, 'ca.crt'),
    TG_WEBHOOK_CONFIG: config,
    TG_WEBHOOK_CERT_DIR: dir,
    TG_WEBHOOK_KUBECONFIG: kubeconfigOf(l, 'tenant-guard'),
  };
}

/**
 * Whether the built tenant-guard runs the controller beside the webhook
 * (`serve --controller`), as the chart does by default. TG_DEV_CONTROLLER=off
 * runs the webhook alone: the end-to-end tests and the benches start the
 * controllers they test, scoped to their own namespaces.
 */
export function devController(): boolean {
  return process.env.TG_DEV_CONTROLLER !== 'off';
}

/**
 * The config with the webhook's own identity among the admins, as the chart
 * writes it: the controller beside the webhook writes the managed policies,
 * which the webhook refuses to anyone else.
 */
function withControllerAdmin(l: Layout, file: string): string {
  const doc = (parseYaml(readFileSync(file, 'utf8')) ?? {}) as { admins?: { users?: string[]; groups?: string[] } };
  const users = doc.admins?.users ?? [];
  const out = join(l.webhookDir, 'config.yaml');
  writeFileSync(out, stringifyYaml({ ...doc, admins: { ...doc.admins, users: users.includes(WEBHOOK_USER.name) ? users : [...users, WEBHOOK_USER.name] } }));
  return out;
}

/** Chooses the webhook command, issues its certificate and records both; returns the webhook's kind. */
export function prepareWebhook(l: Layout): string {
  writeWebhookCerts(l, certDir(l));
  let kind: string;
  let cmd: string;
  if (process.env.TG_WEBHOOK_CMD !== undefined && process.env.TG_WEBHOOK_CMD !== '') {
    kind = 'custom';
    cmd = process.env.TG_WEBHOOK_CMD;
  } else if (existsSync(join(REPO, 'dist', 'cli', 'main.js'))) {
    kind = 'tenant-guard';
    cmd = `node dist/cli/main.js serve --config "$TG_WEBHOOK_CONFIG" --port "$TG_WEBHOOK_PORT" --cert "$TG_WEBHOOK_CERT" --key "$TG_WEBHOOK_KEY" --kubeconfig "$TG_WEBHOOK_KUBECONFIG"${devController() ? ' --controller' : ''}`;
  } else {
    kind = 'trivial';
    log('dist/cli/main.js not built: using the trivial test webhook (test/cluster/trivial-webhook.mjs)');
    cmd = 'node test/cluster/trivial-webhook.mjs --port "$TG_WEBHOOK_PORT" --cert "$TG_WEBHOOK_CERT" --key "$TG_WEBHOOK_KEY"';
  }
  let config = process.env.TG_WEBHOOK_CONFIG ?? join(REPO, 'test', 'cluster', 'config.yaml');
  if (kind === 'tenant-guard' && devController()) config = withControllerAdmin(l, config);
  writeFileSync(recorded(l, 'cmd'), `${cmd}\n`);
  writeFileSync(recorded(l, 'kind'), `${kind}\n`);
  writeFileSync(recorded(l, 'config'), `${config}\n`);
  return kind;
}

export function webhookRecorded(l: Layout): boolean {
  return existsSync(recorded(l, 'cmd'));
}

export function recordedConfig(l: Layout): string {
  return readFileSync(recorded(l, 'config'), 'utf8').trim();
}

/** From now on the webhook runs with another config file. */
export function recordConfig(l: Layout, config: string): void {
  writeFileSync(recorded(l, 'config'), `${config}\n`);
}

/**
 * Starts the recorded command (with bash, as TG_WEBHOOK_CMD's contract says)
 * and waits until it is healthy and, for tenant-guard, until its namespace
 * cache is synced: /readyz answers 200 with "status": "degraded" until then,
 * and only "ok" means policy decisions can be made.
 */
export async function launchWebhook(l: Layout, port: number, timeoutS: number): Promise<void> {
  const cmd = readFileSync(recorded(l, 'cmd'), 'utf8').trim();
  const kind = readFileSync(recorded(l, 'kind'), 'utf8').trim();
  log(`starting webhook (${kind}) on 127.0.0.1:${port}`);
  const daemon = { name: 'webhook', pidFile: pidFile(l, 'webhook') };
  startDaemon(daemon.pidFile, logFile(l, 'webhook'), 'bash', ['-c', `exec ${cmd}`], { cwd: REPO, env: webhookEnv(l, port, recordedConfig(l)) });
  const ca = join(certDir(l), 'ca.crt');
  const base = `https://127.0.0.1:${port}`;
  try {
    await waitFor('webhook /healthz', timeoutS, async () => (await httpsGet(`${base}/healthz`, ca))?.status === 200, daemon);
    if (kind === 'tenant-guard') {
      await waitFor('webhook namespace cache (/readyz ok)', timeoutS, async () => {
        const r = await httpsGet(`${base}/readyz`, ca);
        return r?.status === 200 && (JSON.parse(r.body) as { status?: unknown }).status === 'ok';
      }, daemon);
    }
  } catch (err) {
    process.stderr.write(tail(logFile(l, 'webhook')));
    throw err;
  }
}

/** The last lines of a log, for the reason a component did not come up. */
export function tail(file: string, lines = 30): string {
  if (!existsSync(file)) return '';
  const text = readFileSync(file, 'utf8').split('\n');
  return `${text.slice(-lines - 1).join('\n')}\n`;
}

export async function registerWebhook(l: Layout, c: ClusterEnv): Promise<void> {
  const caBundle = Buffer.from(readFileSync(join(l.pki, 'ca.crt'))).toString('base64');
  const text = readFileSync(join(l.manifests, 'webhooks.yaml.tmpl'), 'utf8')
    .replaceAll('@WEBHOOK_URL@', `https://127.0.0.1:${c.webhookPort}`)
    .replaceAll('@CA_BUNDLE@', caBundle);
  const file = join(l.state, 'webhooks.yaml');
  writeFileSync(file, text);
  const r = await kc(l, c, 'admin', ['apply', '-f', file]);
  if (r.code !== 0) throw new Error(`registering the webhooks failed: ${r.stderr}`);
}

const WEBHOOK_DENIED = 'admission webhook "validate.tenant-guard.io" denied the request';

function probePolicy(l: Layout, c: ClusterEnv, namespaceSelector: string): Promise<RunResult> {
  return kc(l, c, 'alice', ['create', '--dry-run=server', '-f', '-'], `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: tenant-guard-probe
  namespace: default
spec:
  podSelector: {}
  policyTypes: [Ingress]
  ingress:
    - from:
        - namespaceSelector: ${namespaceSelector}
`);
}

/**
 * The validating webhook answers when it refuses a probe policy that admits
 * every namespace. When an outage-safe floor (ValidatingAdmissionPolicies,
 * evaluated before webhooks) refuses it first, a second probe selects by a
 * label the floor does not judge but the webhook refuses.
 */
async function validatingAnswers(l: Layout, c: ClusterEnv): Promise<boolean> {
  let r = await probePolicy(l, c, '{}');
  if (`${r.stdout}${r.stderr}`.includes('ValidatingAdmissionPolicy')) r = await probePolicy(l, c, '{matchLabels: {tenant-guard.io/probe: "true"}}');
  return `${r.stdout}${r.stderr}`.includes(WEBHOOK_DENIED);
}

/**
 * The mutating webhook answers when a probe namespace comes back with a label
 * besides the API server's own name label (the tenant label, whatever the
 * config calls it), or when the request got as far as the validating webhook
 * and was refused there (a real policy may refuse the probe's name; mutation
 * runs before validation).
 */
async function mutatingAnswers(l: Layout, c: ClusterEnv): Promise<boolean> {
  const r = await kc(l, c, 'alice', ['create', 'namespace', 'acme-tenant-guard-probe', '--dry-run=server',
    '-o', 'go-template={{range $k, $v := .metadata.labels}}{{$k}}{{"\\n"}}{{end}}']);
  if (r.code !== 0) return `${r.stdout}${r.stderr}`.includes(WEBHOOK_DENIED);
  return r.stdout.split('\n').some((k) => k !== '' && k !== NAME_LABEL);
}

export async function waitWebhookAnswering(l: Layout, c: ClusterEnv, timeoutS: number): Promise<void> {
  await waitFor('validating webhook answering', timeoutS, () => validatingAnswers(l, c));
  await waitFor('mutating webhook answering', timeoutS, () => mutatingAnswers(l, c));
}
