// A deliberately tiny admission webhook used by the local cluster (src/dev/webhook.ts) when the
// real tenant-guard build (dist/cli/main.js) is not available. It only
// exists to prove the local cluster harness end to end:
//   - POST /validate denies a NetworkPolicy with an ingress peer
//     `namespaceSelector: {}` (message mentions "tenant-guard"),
//   - POST /mutate labels new Namespaces with tenant-guard.io/tenant,
//   - GET /healthz answers "ok",
// and allows everything else. No dependencies beyond Node itself.
//
//   node test/cluster/trivial-webhook.mjs --port 8443 --cert tls.crt --key tls.key
import { readFileSync } from 'node:fs';
import https from 'node:https';

const TENANT_LABEL = 'tenant-guard.io/tenant';

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const port = Number(arg('port', '8443'));
const host = arg('host', '127.0.0.1');
const cert = readFileSync(arg('cert', 'certs/tls.crt'));
const key = readFileSync(arg('key', 'certs/tls.key'));

function isEmptySelector(sel) {
  return (
    sel !== null &&
    typeof sel === 'object' &&
    Object.keys(sel.matchLabels ?? {}).length === 0 &&
    (sel.matchExpressions ?? []).length === 0
  );
}

function tenantOf(userInfo) {
  for (const g of userInfo?.groups ?? []) {
    if (g.startsWith('tenant:')) return g.slice('tenant:'.length);
    if (g.endsWith('-devs')) return g.slice(0, -'-devs'.length);
  }
  return 'platform';
}

function validate(req) {
  const obj = req.object;
  if (req.kind?.kind === 'NetworkPolicy' && obj) {
    for (const rule of obj.spec?.ingress ?? []) {
      for (const peer of rule.from ?? []) {
        if (peer.namespaceSelector !== undefined && isEmptySelector(peer.namespaceSelector)) {
          return {
            allowed: false,
            status: {
              code: 403,
              reason: 'Forbidden',
              message: 'tenant-guard (trivial test webhook): ingress from all namespaces (namespaceSelector: {}) is not allowed',
            },
          };
        }
      }
    }
  }
  return { allowed: true };
}

function mutate(req) {
  if (req.kind?.kind !== 'Namespace' || req.operation !== 'CREATE' || !req.object) {
    return { allowed: true };
  }
  const labels = req.object.metadata?.labels;
  const value = tenantOf(req.userInfo);
  const patch = labels
    ? [{ op: 'add', path: `/metadata/labels/${TENANT_LABEL.replace(/~/g, '~0').replace(/\//g, '~1')}`, value }]
    : [{ op: 'add', path: '/metadata/labels', value: { [TENANT_LABEL]: value } }];
  return {
    allowed: true,
    patchType: 'JSONPatch',
    patch: Buffer.from(JSON.stringify(patch)).toString('base64'),
  };
}

function send(res, code, body, type = 'application/json') {
  res.writeHead(code, { 'content-type': type });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

const server = https.createServer({ cert, key }, (req, res) => {
  // The API server appends ?timeout=5s to the configured URL.
  const path = new URL(req.url ?? '/', 'https://localhost').pathname;
  if (req.method === 'GET' && path === '/healthz') return send(res, 200, 'ok', 'text/plain');
  if (req.method !== 'POST' || (path !== '/validate' && path !== '/mutate')) {
    return send(res, 404, 'not found', 'text/plain');
  }
  const chunks = [];
  let size = 0;
  req.on('data', (c) => {
    size += c.length;
    if (size > 4 * 1024 * 1024) req.destroy();
    else chunks.push(c);
  });
  req.on('end', () => {
    let review;
    try {
      review = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return send(res, 400, 'invalid JSON', 'text/plain');
    }
    const request = review?.request;
    if (!request?.uid) return send(res, 400, 'not an AdmissionReview', 'text/plain');
    const response = path === '/validate' ? validate(request) : mutate(request);
    send(res, 200, {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid: request.uid, ...response },
    });
  });
});

server.listen(port, host, () => {
  console.log(`trivial tenant-guard test webhook listening on https://${host}:${port}`);
});
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  });
}
