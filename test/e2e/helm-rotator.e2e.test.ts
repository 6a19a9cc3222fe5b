// The certificate rotator (mode `self`) against the real API server:
// replicas racing on an absent Secret converge on one certificate without
// rewriting it; a CA rotation (stage, promote, prune) happens while the API
// server keeps calling a webhook served with the rotator's certificate, and
// not one admission call fails.
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleFingerprints, splitPem } from '../../src/certs/bundle.js';
import { issueCA } from '../../src/certs/issue.js';
import type { RotationPolicy } from '../../src/certs/plan.js';
import { kubeCertApi, SelfCertRotator, type RotatorLog, type WebhookRef } from '../../src/certs/rotator.js';
import { loadKubeConfig } from '../../src/kube/client.js';
import { KubeRest } from '../../src/kube/rest.js';
import type { TlsMaterial } from '../../src/server/tls.js';
import { eventually } from './helm-tools.js';
import { deleteNamespaces, kubeconfigOf, kubectl, uniqueName } from './kube.js';

const DAY = 86_400_000;

let kc: KubeConfig;
let core: CoreV1Api;
let ns: string;
let hookName: string;
let webhooks: WebhookRef[];

function quietLog(lines: string[]): RotatorLog {
  const push = (o: object, msg: string) => { lines.push(`${msg} ${JSON.stringify(o)}`); };
  return { info: push, warn: push, error: push };
}

async function secretOf(name: string) {
  return core.readNamespacedSecret({ namespace: ns, name });
}

async function publishedBundles(): Promise<string[]> {
  const out: string[] = [];
  for (const kind of ['mutatingwebhookconfiguration', 'validatingwebhookconfiguration']) {
    const res = await kubectl('admin', ['get', kind, hookName, '-o', 'json']);
    expect(res.code, res.stderr).toBe(0);
    const cfg = JSON.parse(res.stdout) as { webhooks: { clientConfig: { caBundle?: string } }[] };
    for (const w of cfg.webhooks) out.push(Buffer.from(w.clientConfig.caBundle ?? '', 'base64').toString('utf8'));
  }
  return out;
}

beforeAll(async () => {
  const k = loadKubeConfig({ kubeconfig: kubeconfigOf('admin') });
  if (k === undefined) throw new Error('no admin kubeconfig');
  kc = k;
  core = kc.makeApiClient(CoreV1Api);
  ns = uniqueName('tg-rotator');
  hookName = uniqueName('tg-rotator-hook');
  webhooks = [{ kind: 'mutating', name: hookName }, { kind: 'validating', name: hookName }];
  const res = await kubectl('admin', ['create', 'namespace', ns]);
  expect(res.code, res.stderr).toBe(0);
  const label = await kubectl('admin', ['label', 'namespace', ns, `tg-e2e-rotation=${ns}`]);
  expect(label.code, label.stderr).toBe(0);
});

afterAll(async () => {
  await kubectl('admin', ['delete', 'mutatingwebhookconfiguration,validatingwebhookconfiguration', hookName, '--ignore-not-found']);
  await deleteNamespaces([ns]);
});

const policy = (ips: string[]): RotationPolicy => ({
  dnsNames: ['tenant-guard', `tenant-guard.${ns}`, `tenant-guard.${ns}.svc`, `tenant-guard.${ns}.svc.cluster.local`],
  ips,
  caValidityMs: 10 * DAY,
  certValidityMs: 10 * DAY,
  renewBeforeMs: DAY,
  caOverlapMs: 3_000,
});

describe('rotator: replicas starting together', () => {
  it('converge on one Secret, serve the same certificate and do not rewrite it', async () => {
    const secretName = uniqueName('tg-race');
    const logs: string[] = [];
    const served: TlsMaterial[][] = [[], [], []];
    const rotators = served.map((box) => new SelfCertRotator(kubeCertApi(new KubeRest(kc)), {
      namespace: ns, secretName, webhooks: [], policy: policy([]), intervalMs: 60_000, log: quietLog(logs), onMaterial: (m) => box.push(m),
    }));
    for (const r of rotators) expect(r.notReadyReason()).toMatch(/no serving certificate loaded/);
    await Promise.all(rotators.map((r) => r.reconcile()));

    const secret = await secretOf(secretName);
    expect(served.map((b) => b.length)).toEqual([1, 1, 1]);
    const certs = served.map((b) => b[0]!.cert);
    expect(new Set(certs).size).toBe(1);
    expect(Buffer.from(secret.data!['tls.crt']!, 'base64').toString()).toBe(certs[0]);
    for (const r of rotators) expect(r.notReadyReason()).toBeUndefined();
    // Only one of them created it; the others got 409 AlreadyExists and adopted it.
    expect(logs.filter((l) => l.startsWith('certificate Secret updated'))).toHaveLength(1);
    expect(logs.filter((l) => l.startsWith('certificate Secret changed concurrently'))).toHaveLength(2);

    // Steady state: more checks write nothing.
    const rv = secret.metadata!.resourceVersion;
    await Promise.all(rotators.map((r) => r.reconcile()));
    await Promise.all(rotators.map((r) => r.reconcile()));
    expect((await secretOf(secretName)).metadata!.resourceVersion).toBe(rv);
    expect(served.map((b) => b.length)).toEqual([1, 1, 1]);
  });

  it('replaces a Secret that holds something unusable', async () => {
    const secretName = uniqueName('tg-broken');
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: secretName }, type: 'kubernetes.io/tls', data: { 'tls.crt': Buffer.from('junk').toString('base64'), 'tls.key': '' } } });
    const got: TlsMaterial[] = [];
    const logs: string[] = [];
    const r = new SelfCertRotator(kubeCertApi(new KubeRest(kc)), { namespace: ns, secretName, webhooks: [], policy: policy([]), intervalMs: 60_000, log: quietLog(logs), onMaterial: (m) => got.push(m) });
    await r.reconcile();
    expect(got).toHaveLength(1);
    expect(logs.join('\n')).toMatch(/"action":"create","reason":"the certificate Secret is not usable: CA: missing"/);
    const s = await secretOf(secretName);
    expect(Buffer.from(s.data!['tls.crt']!, 'base64').toString()).toBe(got[0]!.cert);
  });
});

describe('rotator: CA rotation under load', () => {
  let server: Server | undefined;
  afterAll(async () => {
    await new Promise<void>((r) => (server === undefined ? r() : server.close(() => r())));
  });

  it('stages, promotes and prunes a CA while the API server calls the webhook, with no failed admission', async () => {
    const secretName = uniqueName('tg-rotate');
    // Rotator clocks: `offset` ms behind real time. Certificates issued 9.5 days
    // "ago" are valid for real for another half day, inside the renewal window.
    let offset = 9.5 * DAY;
    const now = () => new Date(Date.now() - offset);
    const logs: string[] = [];
    let current: TlsMaterial | undefined;
    const opts = { namespace: ns, secretName, webhooks, policy: policy(['127.0.0.1']), intervalMs: 60_000, log: quietLog(logs), now };
    // A serves the webhook; B is another replica sharing the Secret.
    const a = new SelfCertRotator(kubeCertApi(new KubeRest(kc)), { ...opts, onMaterial: (m) => { current = m; server?.setSecureContext({ ...m, minVersion: 'TLSv1.2' }); } });
    const bServed: TlsMaterial[] = [];
    const b = new SelfCertRotator(kubeCertApi(new KubeRest(kc)), { ...opts, onMaterial: (m) => bServed.push(m) });

    // The webhook configurations exist before the first check, trusting a CA that signed nothing here.
    let calls = 0;
    await a.reconcile();
    expect(current).toBeDefined();
    server = createServer({ ...current!, minVersion: 'TLSv1.2' }, (req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => { body += c.toString(); });
      req.on('end', () => {
        calls++;
        const review = JSON.parse(body) as { request: { uid: string } };
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: review.request.uid, allowed: true } }));
      });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const wrongCa = Buffer.from(issueCA('unrelated', 1).certPem).toString('base64');
    const hook = (path: string) => ({
      name: `${path}.rotation.tenant-guard.io`,
      clientConfig: { url: `https://127.0.0.1:${port}/${path}`, caBundle: wrongCa },
      rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'], scope: 'Namespaced' }],
      namespaceSelector: { matchLabels: { 'tg-e2e-rotation': ns } },
      sideEffects: 'None', admissionReviewVersions: ['v1'], failurePolicy: 'Fail', timeoutSeconds: 5,
    });
    const manifests = [
      { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: hookName }, webhooks: [hook('mutate')] },
      { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: hookName }, webhooks: [hook('validate')] },
    ];
    const applied = await kubectl('admin', ['apply', '-f', '-'], { input: manifests.map((m) => JSON.stringify(m)).join('\n') });
    expect(applied.code, applied.stderr).toBe(0);

    let seq = 0;
    const admit = async (): Promise<string | undefined> => {
      try {
        await core.createNamespacedConfigMap({ namespace: ns, dryRun: 'All', body: { metadata: { name: `probe-${seq++}` } } });
        return undefined;
      } catch (err) {
        return err instanceof Error ? err.message.split('\n')[0] : String(err);
      }
    };
    // Negative control: with the wrong CA in caBundle the API server refuses.
    await eventually('a refusal while caBundle is wrong', 30_000, async () => ((await admit()) !== undefined ? true : undefined));

    // The next check publishes the bundle: admission works.
    await a.reconcile();
    await eventually('admission through the published bundle', 30_000, async () => ((await admit()) === undefined ? true : undefined));

    // From here on, every admission must succeed.
    const failures: string[] = [];
    let attempts = 0;
    let loading = true;
    const load = (async () => {
      while (loading) {
        attempts++;
        const err = await admit();
        if (err !== undefined) failures.push(err);
      }
    })();
    const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const before = { cert: current!.cert, ca: (await secretOf(secretName)).data!['ca.crt'] };

    try {
      await pause(1_000);
      // The CA has half a day left: B stages a new one and publishes both.
      offset = 0;
      const stagedAround = Date.now();
      await b.reconcile();
      expect(logs.join('\n')).toMatch(/"action":"stage-ca"/);
      let bundles = await publishedBundles();
      for (const bundle of bundles) expect(splitPem(bundle)).toHaveLength(2);
      expect(current!.cert).toBe(before.cert);
      // A check inside the overlap does nothing. A's clock is set back to the
      // moment B staged, so a slow machine cannot carry it past the overlap.
      offset = Date.now() - stagedAround;
      await a.reconcile();
      expect(logs.filter((l) => l.includes('"action":"promote-ca"'))).toHaveLength(0);

      await pause(3_500);
      // After the overlap A promotes: new certificate from the new CA, served at once.
      offset = 0;
      await a.reconcile();
      expect(logs.filter((l) => l.includes('"action":"promote-ca"'))).toHaveLength(1);
      expect(current!.cert).not.toBe(before.cert);
      const promoted = await secretOf(secretName);
      expect(promoted.data!['ca.crt']).not.toBe(before.ca);
      const newCa = new X509Certificate(Buffer.from(promoted.data!['ca.crt']!, 'base64'));
      expect(new X509Certificate(current!.cert).checkIssued(newCa)).toBe(true);
      await b.reconcile();
      expect(bServed.at(-1)?.cert).toBe(current!.cert);
      await pause(2_000);

      // A day later the old CA has expired and is pruned from the bundle.
      offset = -1 * DAY;
      await a.reconcile();
      expect(logs.join('\n')).toMatch(/"action":"rebundle"/);
      bundles = await publishedBundles();
      for (const bundle of bundles) expect(bundleFingerprints(bundle)).toEqual([newCa.fingerprint256]);
      await pause(2_000);
    } finally {
      loading = false;
      await load;
    }
    expect(failures).toEqual([]);
    expect(attempts).toBeGreaterThan(20);
    expect(calls).toBeGreaterThan(2 * 20);
  }, 180_000);

  it('puts back a caBundle that someone cleared', async () => {
    const secretName = uniqueName('tg-repatch');
    const logs: string[] = [];
    const r = new SelfCertRotator(kubeCertApi(new KubeRest(kc)), { namespace: ns, secretName, webhooks, policy: policy(['127.0.0.1']), intervalMs: 500, log: quietLog(logs), onMaterial: () => undefined });
    r.start();
    try {
      const want = await eventually('bundle published', 30_000, async () => {
        const s = await secretOf(secretName).catch(() => undefined);
        const bundle = s?.data?.['ca-bundle.crt'];
        if (bundle === undefined) return undefined;
        const pem = Buffer.from(bundle, 'base64').toString();
        return (await publishedBundles()).every((b) => b === pem) ? pem : undefined;
      });
      const cleared = await kubectl('admin', ['patch', 'mutatingwebhookconfiguration', hookName, '--type=json', '-p', '[{"op":"remove","path":"/webhooks/0/clientConfig/caBundle"}]']);
      expect(cleared.code, cleared.stderr).toBe(0);
      await eventually('caBundle re-patched', 30_000, async () => ((await publishedBundles()).every((b) => b === want) ? true : undefined));
    } finally {
      await r.stop();
    }
  });
});
