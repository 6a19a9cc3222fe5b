/**
 * Workloads as NetworkPolicies see them: the labels and container ports of
 * their pods. A Pod, ReplicaSet, Deployment, StatefulSet, DaemonSet, Job or
 * CronJob is reduced to its pod template; objects are grouped under their top
 * owner found in the input (a Pod of a ReplicaSet of a Deployment is the
 * Deployment), and an owner that is referenced but not in the input names the
 * workload (`default/cog-agents[DaemonSet]` for the pods of that DaemonSet).
 * A Node owner (static pods) is no workload: such a pod stands for itself.
 */
import { isRecord } from '../policy/report.js';
import { isProtocol, type Protocol } from './connections.js';
import type { InputError } from './networkpolicy.js';
import { labelsKey, type Labels } from '../policy/label-selector.js';

export const WORKLOAD_KINDS = ['Pod', 'ReplicaSet', 'ReplicationController', 'Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob'] as const;

export interface ContainerPort {
  name: string | undefined;
  port: number;
  protocol: Protocol;
}

/** One distinct pod as policies see it. */
export interface PodShape {
  labels: Labels;
  ports: readonly ContainerPort[];
}

export interface Workload {
  namespace: string;
  name: string;
  kind: string;
  shapes: PodShape[];
}

export function workloadId(w: { namespace: string; name: string; kind: string }): string {
  return `${w.namespace}/${w.name}[${w.kind}]`;
}

interface Node {
  namespace: string;
  name: string;
  kind: string;
  owner: { kind: string; name: string } | undefined;
  shape: PodShape | undefined;
}

function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isRecord(v)) for (const [k, x] of Object.entries(v)) if (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') out[k] = String(x);
  return out;
}

/** The pod template of a workload object (the object itself for a Pod). */
function template(kind: string, obj: Record<string, unknown>): Record<string, unknown> | undefined {
  const spec = isRecord(obj.spec) ? obj.spec : undefined;
  if (kind === 'Pod') return obj;
  if (kind === 'CronJob') {
    const job = isRecord(spec?.jobTemplate) ? spec.jobTemplate : undefined;
    const jobSpec = isRecord(job?.spec) ? job.spec : undefined;
    return isRecord(jobSpec?.template) ? jobSpec.template : undefined;
  }
  return isRecord(spec?.template) ? spec.template : undefined;
}

function shapeOf(tpl: Record<string, unknown>, path: string, notes: string[]): PodShape {
  const md = isRecord(tpl.metadata) ? tpl.metadata : {};
  const spec = isRecord(tpl.spec) ? tpl.spec : {};
  const ports: ContainerPort[] = [];
  for (const field of ['initContainers', 'containers'] as const) {
    const list = Array.isArray(spec[field]) ? spec[field] : [];
    list.forEach((c, i) => {
      if (!isRecord(c) || !Array.isArray(c.ports)) return;
      c.ports.forEach((p, j) => {
        if (!isRecord(p)) return;
        const protocol = p.protocol ?? 'TCP';
        const port = p.containerPort;
        // A port entry without a number can be named by no policy: it is left out, with a note (the API server would refuse it).
        if (!isProtocol(protocol) || !Number.isInteger(port)) {
          notes.push(`${path}spec.${field}[${i}].ports[${j}]: ignored, it needs a containerPort number and a protocol of TCP, UDP or SCTP`);
          return;
        }
        ports.push({ name: typeof p.name === 'string' && p.name !== '' ? p.name : undefined, port: port as number, protocol });
      });
    });
  }
  return { labels: stringMap(md.labels), ports };
}

function controllerOwner(md: Record<string, unknown>): { kind: string; name: string } | undefined {
  if (!Array.isArray(md.ownerReferences)) return undefined;
  const refs = md.ownerReferences.filter(isRecord);
  const ref = refs.find((r) => r.controller === true) ?? refs[0];
  if (ref === undefined || typeof ref.name !== 'string' || ref.name === '') return undefined;
  const kind = typeof ref.kind === 'string' ? ref.kind : '';
  if (kind === 'Node') return undefined;
  return { kind, name: ref.name };
}

export interface WorkloadObject {
  kind: string;
  object: Record<string, unknown>;
  /** Where the object came from, for error messages. */
  where: string;
}

export function buildWorkloads(objects: readonly WorkloadObject[], errors: InputError[], notes: string[]): Workload[] {
  const nodes = new Map<string, Node>();
  for (const { kind, object, where } of objects) {
    const md = isRecord(object.metadata) ? object.metadata : {};
    const name = typeof md.name === 'string' ? md.name : typeof md.generateName === 'string' ? md.generateName : '';
    if (name === '') {
      errors.push({ path: `${where} metadata.name`, message: `a ${kind} needs a name` });
      continue;
    }
    const namespace = typeof md.namespace === 'string' && md.namespace !== '' ? md.namespace : 'default';
    const tpl = template(kind, object);
    const shape = tpl === undefined ? undefined : shapeOf(tpl, `${where} ${kind === 'Pod' ? '' : kind === 'CronJob' ? 'spec.jobTemplate.spec.template.' : 'spec.template.'}`, notes);
    const node: Node = { namespace, name, kind, owner: controllerOwner(md), shape };
    nodes.set(`${namespace}/${kind}/${name}`, node);
  }
  const byId = new Map<string, Workload>();
  const seen = new Map<string, Set<string>>();
  for (const node of nodes.values()) {
    const top = topOwner(node, nodes);
    const id = workloadId(top);
    let w = byId.get(id);
    if (w === undefined) {
      w = { ...top, shapes: [] };
      byId.set(id, w);
      seen.set(id, new Set());
    }
    if (node.shape === undefined) continue;
    const key = `${labelsKey(node.shape.labels)}|${JSON.stringify(node.shape.ports)}`;
    const keys = seen.get(id) as Set<string>;
    if (!keys.has(key)) {
      keys.add(key);
      w.shapes.push(node.shape);
    }
  }
  // A workload known only as an owner of objects without templates has no pods.
  return [...byId.values()].filter((w) => w.shapes.length > 0);
}

/** Follow controller owners while they are in the input; an absent owner is the top. */
function topOwner(node: Node, nodes: ReadonlyMap<string, Node>): { namespace: string; name: string; kind: string } {
  let current = node;
  const visited = new Set<Node>();
  while (current.owner !== undefined && !visited.has(current)) {
    visited.add(current);
    const { kind, name } = current.owner;
    const next = kind === '' ? undefined : nodes.get(`${current.namespace}/${kind}/${name}`);
    // An owner reference without a kind still names the group; it is shown with the object's own kind.
    if (next === undefined) return { namespace: current.namespace, name, kind: kind === '' ? current.kind : kind };
    current = next;
  }
  return { namespace: current.namespace, name: current.name, kind: current.kind };
}
