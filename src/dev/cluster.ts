/**
 * A real, local Kubernetes control plane (etcd + kube-apiserver, no nodes)
 * with the tenant-guard admission webhook registered, for development and the
 * end-to-end tests. Everything listens on 127.0.0.1 only. Run as
 * `npm run cluster <command>`:
 *
 *   up             build the binaries if needed, start everything (with the
 *                  control plane already up and only the webhook stopped:
 *                  start the webhook)
 *   down           stop everything, remove the state folder
 *   env            print the env file (eval "$(npm run --silent cluster env)")
 *   status         what is running; exit 0 when all is healthy, 3 when only
 *                  the webhook is not, else 1
 *   webhook-stop   stop the webhook process only; its configurations stay
 *                  registered, so the API server sees an unreachable webhook
 *   webhook-start  start it again (same port, certificate and command;
 *                  TG_WEBHOOK_CONFIG, when set, replaces its config file) and
 *                  wait until it answers
 *
 * After `up`: <state>/bin/kubectl is the built kubectl, <state>/kubeconfig/<user>
 * a kubeconfig per test user (layout.ts; the tenant users' contexts default to
 * a namespace of their tenant, so `kubectl --kubeconfig <state>/kubeconfig/alice
 * apply -f examples/cross-tenant.yaml` works without -n).
 *
 * Environment: TG_CLUSTER_DIR (state folder, default <repo>/.cluster),
 * TG_SHARED_DIR (holds crds/, default <repo>/../shared), TG_K8S_CACHE (see
 * scripts/build-k8s.sh), TG_WEBHOOK_CMD (a command run with bash -c in the
 * repository that starts the webhook; it gets TG_WEBHOOK_PORT, _CERT, _KEY,
 * _CA, _CONFIG, _CERT_DIR and _KUBECONFIG, the webhook's own identity; default:
 * the built tenant-guard with its controller, as the chart runs it, else
 * test/cluster/trivial-webhook.mjs), TG_DEV_CONTROLLER (`off`: the webhook
 * without the controller, as the end-to-end tests and benches run it),
 * TG_WEBHOOK_CONFIG (default test/cluster/config.yaml), TG_UP_TIMEOUT (seconds
 * per component, 120), TG_LOCK_TIMEOUT (seconds to wait for another command on
 * the same state folder, 1800: covers a cold build), TG_CLUSTER_OWNER (recorded
 * in <state>/owner by the `up` that starts the cluster; test/e2e/global-setup.ts).
 */
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyBasics, applyControllerRbac, buildBinaries, checkCrds, startApiServer, startEtcd } from './control-plane.js';
import { writePki, writeTokensAndKubeconfigs } from './credentials.js';
import { clusterEnvOf, envFileText, layoutOf, parseEnvFile, pidFile, REPO, USERS, type ClusterEnv, type Layout } from './layout.js';
import { acquireLock, ClusterError, freePorts, httpsGet, log, pidAlive, pidOf, stopDaemon } from './processes.js';
import { devController, kc, launchWebhook, prepareWebhook, recordConfig, recordedConfig, registerWebhook, waitWebhookAnswering, webhookRecorded } from './webhook.js';

const DAEMONS = ['webhook', 'kube-apiserver', 'etcd'] as const;

const controlPlaneUp = (l: Layout): boolean => pidAlive(pidFile(l, 'etcd')) && pidAlive(pidFile(l, 'kube-apiserver')) && existsSync(l.envFile);

function loadEnv(l: Layout): ClusterEnv {
  if (!existsSync(l.envFile)) throw new ClusterError(`no cluster state in ${l.state}: run 'npm run cluster up' first`);
  return clusterEnvOf(parseEnvFile(readFileSync(l.envFile, 'utf8')));
}

async function stopAll(l: Layout): Promise<void> {
  for (const d of DAEMONS) await stopDaemon(d, pidFile(l, d));
}

async function downUnlocked(l: Layout): Promise<void> {
  await stopAll(l);
  if (!existsSync(l.state)) return;
  const real = realpathSync(l.state);
  if (['/', realpathSync(REPO), realpathSync(homedir())].includes(real)) throw new ClusterError(`refusing to remove ${l.state}`);
  rmSync(l.state, { recursive: true, force: true });
  log(`removed ${l.state}`);
}

/** Starts the webhook again with the command, port and certificate of `up`, and waits until the API server's calls reach it. */
async function startWebhookAgain(l: Layout): Promise<void> {
  const c = loadEnv(l);
  if (!webhookRecorded(l)) throw new ClusterError(`no webhook command recorded in ${l.webhookDir}`);
  const config = process.env.TG_WEBHOOK_CONFIG;
  if (pidAlive(pidFile(l, 'webhook'))) {
    log(`webhook already running (pid ${pidOf(pidFile(l, 'webhook'))})`);
    if (config !== undefined && config !== '' && config !== recordedConfig(l)) log('WARNING: TG_WEBHOOK_CONFIG ignored: stop the webhook first (npm run cluster webhook-stop)');
  } else {
    if (config !== undefined && config !== '') recordConfig(l, config);
    await launchWebhook(l, c.webhookPort, l.timeoutS);
  }
  await waitWebhookAnswering(l, c, l.timeoutS);
}

async function startEverything(l: Layout, t0: number): Promise<void> {
  const binDir = await buildBinaries();
  for (const d of [l.pids, l.logs, join(l.state, 'etcd'), join(l.state, 'bin'), l.webhookDir]) mkdirSync(d, { recursive: true });
  // Owner token of whoever asked for this start (see test/e2e/global-setup.ts).
  const owner = process.env.TG_CLUSTER_OWNER;
  if (owner !== undefined && owner !== '') writeFileSync(join(l.state, 'owner'), `${owner}\n`);
  symlinkSync(join(binDir, 'kubectl'), join(l.state, 'bin', 'kubectl'));
  const [etcdPort, etcdPeerPort, apiPort, webhookPort] = (await freePorts(4)) as [number, number, number, number];
  const c: ClusterEnv = { binDir, apiUrl: `https://127.0.0.1:${apiPort}`, apiPort, etcdPort, webhookPort, webhookKind: 'none' };

  writePki(l);
  writeTokensAndKubeconfigs(l, c.apiUrl);
  await startEtcd(l, c, etcdPeerPort, l.timeoutS);
  await startApiServer(l, c, l.timeoutS);
  await applyBasics(l, c, l.timeoutS);
  c.webhookKind = prepareWebhook(l);
  const controller = c.webhookKind === 'tenant-guard' && devController();
  if (controller) await applyControllerRbac(l, c);
  await launchWebhook(l, webhookPort, l.timeoutS);
  await registerWebhook(l, c);
  await waitWebhookAnswering(l, c, l.timeoutS);
  writeFileSync(l.envFile, envFileText(l, c));
  log(`up in ${Math.floor((Date.now() - t0) / 1000)}s: ${c.apiUrl}, webhook (${c.webhookKind}${controller ? ', with the controller' : ''}) https://127.0.0.1:${webhookPort}`);
  log(`kubeconfigs: ${l.kubeconfigs}/{${USERS.map((u) => u.name).join(',')}}; kubectl: ${join(l.state, 'bin', 'kubectl')}`);
  log('load the environment with: eval "$(npm run --silent cluster env)"');
}

async function up(l: Layout): Promise<number> {
  if (controlPlaneUp(l) && pidAlive(pidFile(l, 'webhook'))) {
    log(`already up (state in ${l.state}); 'npm run cluster down' to stop`);
    return 0;
  }
  if (controlPlaneUp(l) && webhookRecorded(l)) {
    // Never tear down a control plane that others may be using just because the webhook was stopped.
    log('control plane is up, the webhook is not: starting the webhook');
    await startWebhookAgain(l);
    return 0;
  }
  if (existsSync(l.state)) {
    log('cleaning up a partial previous run');
    await downUnlocked(l);
  }
  checkCrds(l);
  const t0 = Date.now();
  // If anything fails, or the command is stopped, do not leave half a cluster running.
  const abort = (signal: NodeJS.Signals) => {
    log(`${signal} during up; stopping what was started`);
    void stopAll(l).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', abort).once('SIGTERM', abort);
  try {
    await startEverything(l, t0);
  } catch (err) {
    log(`up failed; logs in ${l.logs}`);
    await stopAll(l);
    throw err;
  } finally {
    process.off('SIGINT', abort).off('SIGTERM', abort);
  }
  return 0;
}

async function status(l: Layout): Promise<number> {
  if (!existsSync(l.state)) {
    console.log(`down (no state in ${l.state})`);
    return 1;
  }
  let plane = false;
  let hook = false;
  for (const name of ['etcd', 'kube-apiserver', 'webhook'] as const) {
    if (pidAlive(pidFile(l, name))) {
      console.log(`${name}: running (pid ${pidOf(pidFile(l, name))})`);
    } else {
      console.log(`${name}: not running`);
      if (name === 'webhook') hook = true;
      else plane = true;
    }
  }
  if (existsSync(l.envFile)) {
    const c = loadEnv(l);
    if ((await kc(l, c, 'admin', ['get', '--raw=/readyz'])).code === 0) console.log(`apiserver: ready at ${c.apiUrl}`);
    else {
      console.log('apiserver: not ready');
      plane = true;
    }
    const url = `https://127.0.0.1:${c.webhookPort}`;
    if ((await httpsGet(`${url}/healthz`, join(l.pki, 'ca.crt')))?.status === 200) console.log(`webhook (${c.webhookKind}): healthy at ${url}`);
    else {
      console.log('webhook: not healthy');
      hook = true;
    }
  } else {
    console.log('no env file (up did not finish)');
    plane = true;
  }
  return plane ? 1 : hook ? 3 : 0;
}

/** Commands that change the cluster hold the state folder's lock. */
async function locked(l: Layout, fn: () => Promise<number>): Promise<number> {
  const release = await acquireLock(l.lockFile, l.lockTimeoutS);
  process.once('exit', release);
  try {
    return await fn();
  } finally {
    release();
  }
}

export async function clusterCommand(command: string | undefined, l: Layout): Promise<number> {
  switch (command) {
    case 'up':
      return locked(l, () => up(l));
    case 'down':
      return locked(l, async () => { await downUnlocked(l); return 0; });
    case 'env':
      if (!existsSync(l.envFile)) throw new ClusterError(`no cluster state in ${l.state}: run 'npm run cluster up' first`);
      process.stdout.write(readFileSync(l.envFile, 'utf8'));
      return 0;
    case 'status':
      return status(l);
    case 'webhook-stop':
      return locked(l, async () => {
        if (!controlPlaneUp(l)) throw new ClusterError(`the control plane in ${l.state} is not running`);
        await stopDaemon('webhook', pidFile(l, 'webhook'));
        log("webhook stopped; 'npm run cluster webhook-start' starts it again");
        return 0;
      });
    case 'webhook-start':
      return locked(l, async () => {
        if (!controlPlaneUp(l)) throw new ClusterError(`the control plane in ${l.state} is not running: use 'npm run cluster up'`);
        await startWebhookAgain(l);
        return 0;
      });
    default:
      process.stderr.write('usage: npm run cluster -- up|down|env|status|webhook-stop|webhook-start\n');
      return 2;
  }
}

function prepareProcessEnv(): void {
  // The project pins its Node version as a dev dependency; the webhook command's `node` is that one.
  const bin = join(REPO, 'node_modules', '.bin');
  if (existsSync(join(bin, 'node'))) process.env.PATH = `${bin}:${process.env.PATH ?? ''}`;
  // Nothing here talks to anything but 127.0.0.1.
  for (const v of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'no_proxy', 'NO_PROXY', 'all_proxy', 'ALL_PROXY']) delete process.env[v];
}

if (process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))) {
  prepareProcessEnv();
  clusterCommand(process.argv[2], layoutOf(process.env)).then(
    (code) => { process.exitCode = code; },
    (err: unknown) => {
      log(`ERROR: ${err instanceof Error ? err.message : String(err)}`);
      if (!(err instanceof ClusterError)) process.stderr.write(`${(err as Error).stack ?? ''}\n`);
      process.exitCode = 1;
    },
  );
}
