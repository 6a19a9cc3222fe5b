/**
 * Every well-known key tenant-guard reads or writes, spelled once: the engine,
 * the floor, the baseline, the certificates and reach import them from here.
 * A second spelling of one of these is how a rule and the dataplane (or the
 * floor and the webhook) come to disagree. The one exception is the chart's
 * own templates, generated from this code or written in Helm's conventions.
 */

/** The label the API server sets on every namespace to its own name (Kubernetes 1.21+); tenants cannot change it. */
export const NAME_LABEL = 'kubernetes.io/metadata.name';

/** The label on tenant-guard's own objects (the baseline policies). */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'tenant-guard';

/** Kubernetes' recommended labels on the objects tenant-guard creates besides the baseline (floor objects, the certificate Secret). */
export const PART_OF_LABEL = 'app.kubernetes.io/part-of';
export const COMPONENT_LABEL = 'app.kubernetes.io/component';

/** Cilium's identity label carrying a pod's namespace name. */
export const CILIUM_POD_NAMESPACE = 'io.kubernetes.pod.namespace';

/** Cilium's identity label carrying the pod's cluster name; Cilium sets it on every pod and drops a pod label of that key. */
export const CILIUM_CLUSTER_LABEL = 'io.cilium.k8s.policy.cluster';

/** Cilium's prefix for a pod's namespace labels, copied onto the pod's identity: `<prefix><namespace label key>`. */
export const CILIUM_NAMESPACE_LABELS = 'io.cilium.k8s.namespace.labels.';

/**
 * Cilium label sources (`pkg/labels`): pods carry `k8s` labels, reserved
 * identities (host, world, remote-node, …) carry `reserved` labels, and a
 * selector key with source `any` matches a label of every source.
 */
export const CILIUM_SOURCE_K8S = 'k8s';
export const CILIUM_SOURCE_ANY = 'any';
export const CILIUM_SOURCE_RESERVED = 'reserved';
/** Cilium's name for "no source" (`LabelSourceUnspec`); a selector reads it as `any`. */
export const CILIUM_SOURCE_UNSPEC = 'unspec';

/** The Cilium selector key for a namespace label, in the spelling tenant-guard writes: `k8s:io.cilium.k8s.namespace.labels.<key>`. */
export function ciliumNamespaceLabelKey(labelKey: string): string {
  return `${CILIUM_SOURCE_K8S}:${CILIUM_NAMESPACE_LABELS}${labelKey}`;
}

/** The Cilium selector key for the pod's namespace name, in the spelling tenant-guard writes. */
export const CILIUM_POD_NAMESPACE_KEY = `${CILIUM_SOURCE_K8S}:${CILIUM_POD_NAMESPACE}`;
