/**
 * Pod-label keys that read like a namespace. A selector of pods on such a key
 * matches pods that carry that label, in the policy's own namespace; it does
 * not select the namespace it names, which is what the writer usually meant.
 */
import { CILIUM_NAMESPACE_LABELS, CILIUM_POD_NAMESPACE, NAME_LABEL } from '../vocabulary.js';

const NAMESPACE_LIKE = /(^|[/._-])(namespace|namespace[-_.]?name|ns)$/i;

export function looksLikeNamespaceKey(podLabel: string): boolean {
  if (podLabel === CILIUM_POD_NAMESPACE || podLabel.startsWith(CILIUM_NAMESPACE_LABELS)) return false;
  return podLabel === NAME_LABEL || NAMESPACE_LIKE.test(podLabel);
}
