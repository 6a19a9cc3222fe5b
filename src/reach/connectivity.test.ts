import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { buildCluster } from './cluster.js';
import { connectivity } from './connectivity.js';
import { connRows, renderConnlist } from './connlist-render.js';

function reach(yaml: string): string[] {
  const objects = parseAllDocuments(yaml).map((d, i) => ({ object: d.toJS() as Record<string, unknown>, where: `doc ${i + 1}` })).filter((o) => o.object !== null);
  const built = buildCluster(objects);
  if (!built.ok) throw new Error(JSON.stringify(built.errors));
  return renderConnlist(connRows(connectivity(built.cluster))).split('\n').filter((l) => l !== '');
}

const pod = (ns: string, name: string, labels: Record<string, string>, ports: { name?: string; containerPort: number; protocol?: string }[] = []) => `
apiVersion: v1
kind: Pod
metadata: { name: ${name}, namespace: ${ns}, labels: ${JSON.stringify(labels)} }
spec: { containers: [ { name: c, ports: ${JSON.stringify(ports)} } ] }
---`;

const policy = (ns: string, name: string, spec: object) => `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: ${name}, namespace: ${ns} }
spec: ${JSON.stringify(spec)}
---`;

const ALL = '0.0.0.0-255.255.255.255[External]';

describe('reach connectivity', () => {
  it('without policies every workload reaches every other and the outside, never itself', () => {
    expect(reach(pod('a', 'x', { app: 'x' }) + pod('b', 'y', { app: 'y' }))).toEqual([
      `${ALL} => a/x[Pod] : All Connections`,
      `${ALL} => b/y[Pod] : All Connections`,
      `a/x[Pod] => ${ALL} : All Connections`,
      'a/x[Pod] => b/y[Pod] : All Connections',
      `b/y[Pod] => ${ALL} : All Connections`,
      'b/y[Pod] => a/x[Pod] : All Connections',
    ]);
  });

  it('ingress isolation: only what a selecting policy allows gets in; ingress: [] denies all', () => {
    const lines = reach(pod('a', 'x', { app: 'x' }) + pod('a', 'y', { app: 'y' }) + policy('a', 'deny', { podSelector: { matchLabels: { app: 'y' } }, ingress: [] }));
    expect(lines).not.toContain('a/x[Pod] => a/y[Pod] : All Connections');
    expect(lines.some((l) => l.endsWith('=> a/y[Pod] : All Connections'))).toBe(false);
    expect(lines).toContain('a/y[Pod] => a/x[Pod] : All Connections');
  });

  it('both sides must allow: egress of the source and ingress of the destination intersect', () => {
    const lines = reach(pod('a', 'x', { app: 'x' }) + pod('a', 'y', { app: 'y' })
      + policy('a', 'eg', { podSelector: { matchLabels: { app: 'x' } }, policyTypes: ['Egress'], egress: [{ ports: [{ port: 80 }, { port: 443 }] }] })
      + policy('a', 'in', { podSelector: { matchLabels: { app: 'y' } }, ingress: [{ from: [{ podSelector: {} }], ports: [{ port: 443 }, { port: 8080 }] }] }));
    expect(lines).toContain('a/x[Pod] => a/y[Pod] : TCP 443');
    expect(lines).toContain(`a/x[Pod] => ${ALL} : TCP 80,443`);
  });

  it('policyTypes defaults to Ingress, plus Egress only when egress rules are present', () => {
    const base = pod('a', 'x', { app: 'x' }) + pod('a', 'y', { app: 'y' });
    // egress: [] with no policyTypes is an ingress-only policy (deny all ingress), egress stays open
    const empty = reach(base + policy('a', 'p', { podSelector: { matchLabels: { app: 'x' } }, egress: [] }));
    expect(empty).toContain('a/x[Pod] => a/y[Pod] : All Connections');
    expect(empty).not.toContain('a/y[Pod] => a/x[Pod] : All Connections');
    const withRules = reach(base + policy('a', 'p', { podSelector: { matchLabels: { app: 'x' } }, egress: [{ ports: [{ port: 53, protocol: 'UDP' }] }] }));
    expect(withRules).toContain('a/x[Pod] => a/y[Pod] : UDP 53');
  });

  it('named ports are resolved on the destination pod, with their protocol', () => {
    const lines = reach(pod('a', 'src', { app: 'src' })
      + pod('a', 'web', { app: 'web' }, [{ name: 'http', containerPort: 8080 }, { name: 'dns', containerPort: 5353, protocol: 'UDP' }])
      + pod('a', 'api', { app: 'api' }, [{ name: 'http', containerPort: 9090 }])
      + policy('a', 'p', { podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'api'] }] }, ingress: [{ ports: [{ port: 'http' }, { port: 'dns', protocol: 'TCP' }] }] }));
    expect(lines).toContain('a/src[Pod] => a/web[Pod] : TCP 8080');
    expect(lines).toContain('a/src[Pod] => a/api[Pod] : TCP 9090');
    expect(lines).toContain(`${ALL} => a/web[Pod] : TCP 8080`);
  });

  it('endPort makes a range; a port without number is the whole protocol', () => {
    const lines = reach(pod('a', 'x', { app: 'x' }) + pod('a', 'y', { app: 'y' })
      + policy('a', 'p', { podSelector: { matchLabels: { app: 'y' } }, ingress: [{ ports: [{ port: 9090, endPort: 9092 }, { port: 8080 }, { protocol: 'UDP' }] }] }));
    expect(lines).toContain('a/x[Pod] => a/y[Pod] : TCP 8080,9090-9092,UDP 1-65535');
  });

  it('ipBlock with except splits the outside; ipBlocks never match pods', () => {
    const lines = reach(pod('a', 'x', { app: 'x' }) + pod('a', 'y', { app: 'y' })
      + policy('a', 'p', { podSelector: { matchLabels: { app: 'y' } }, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }] }] }));
    expect(lines.filter((l) => l.endsWith('=> a/y[Pod] : All Connections'))).toEqual([
      '10.0.0.0-10.0.255.255[External] => a/y[Pod] : All Connections',
      '10.2.0.0-10.255.255.255[External] => a/y[Pod] : All Connections',
    ]);
    expect(lines).toContain('0.0.0.0-9.255.255.255[External] => a/x[Pod] : All Connections');
  });

  it('podSelector and namespaceSelector in one peer are ANDed; a namespace known only by name has its name label', () => {
    const lines = reach(`apiVersion: v1
kind: Namespace
metadata: { name: b, labels: { team: t } }
---` + pod('a', 'dst', { app: 'dst' }) + pod('b', 'x', { role: 'x' }) + pod('b', 'z', { role: 'z' }) + pod('c', 'x', { role: 'x' })
      + policy('a', 'p', { podSelector: {}, ingress: [{ from: [
        { namespaceSelector: { matchLabels: { team: 't' } }, podSelector: { matchLabels: { role: 'x' } } },
        { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'c' } } },
      ] }] }));
    expect(lines).toContain('b/x[Pod] => a/dst[Pod] : All Connections');
    expect(lines).not.toContain('b/z[Pod] => a/dst[Pod] : All Connections');
    expect(lines).toContain('c/x[Pod] => a/dst[Pod] : All Connections');
  });

  it('a podSelector peer alone stays in the policy namespace', () => {
    const lines = reach(pod('a', 'dst', { app: 'dst' }) + pod('a', 'near', { role: 'x' }) + pod('b', 'far', { role: 'x' })
      + policy('a', 'p', { podSelector: { matchLabels: { app: 'dst' } }, ingress: [{ from: [{ podSelector: { matchLabels: { role: 'x' } } }] }] }));
    expect(lines).toContain('a/near[Pod] => a/dst[Pod] : All Connections');
    expect(lines.some((l) => l.startsWith('b/far[Pod] => a/dst'))).toBe(false);
  });

  it('pods are shown as their top owner in the input', () => {
    const lines = reach(`apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: a }
spec: { template: { metadata: { labels: { app: web } }, spec: { containers: [ { name: c } ] } } }
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: { name: web-1, namespace: a, ownerReferences: [ { kind: Deployment, name: web, controller: true } ] }
spec: { template: { metadata: { labels: { app: web } }, spec: { containers: [ { name: c } ] } } }
---
apiVersion: v1
kind: Pod
metadata: { name: web-1-abc, namespace: a, labels: { app: web }, ownerReferences: [ { kind: ReplicaSet, name: web-1, controller: true } ] }
spec: { containers: [ { name: c } ] }
---
apiVersion: v1
kind: Pod
metadata: { name: db-0, namespace: a, labels: { app: db }, ownerReferences: [ { kind: StatefulSet, name: db, controller: true } ] }
spec: { containers: [ { name: c } ] }
---
apiVersion: v1
kind: Pod
metadata: { name: etcd-node1, namespace: a, labels: { app: etcd }, ownerReferences: [ { kind: Node, name: node1 } ] }
spec: { containers: [ { name: c } ] }
---`);
    const names = new Set(lines.flatMap((l) => l.split(' : ')[0]!.split(' => ')));
    expect([...names].sort()).toEqual([ALL, 'a/db[StatefulSet]', 'a/etcd-node1[Pod]', 'a/web[Deployment]']);
  });

  it('refuses malformed policies with every field path', () => {
    const r = buildCluster([{ where: 'f#1', object: { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'p', namespace: 'a' },
      spec: { podSelector: { matchExpressions: [{ key: 'a', operator: 'Is' }] }, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0' } }], ports: [{ port: 80, endPort: 70 }] }] } } }]);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.map((e) => e.path)).toEqual(['f#1 spec.podSelector', 'f#1 spec.ingress[0].from[0].ipBlock', 'f#1 spec.ingress[0].ports[0].endPort']);
  });
});
