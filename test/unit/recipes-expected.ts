/**
 * What tenant-guard answers for each policy of ahmetb/kubernetes-network-policy-recipes
 * (shared/corpus/recipes/), applied by a member of tenant `acme` into namespace
 * `acme-web` with the default configuration (protected ranges 10.244.0.0/16 and
 * 10.96.0.0/12; kube-system is a platform namespace; namespacePrefix off).
 *
 * Each row was derived by reading the recipe against the rules, not by running
 * the engine; corpus.test.ts checks the engine agrees. The README cites this
 * table: keep the `why` column readable.
 *
 * `violations` lists `code@path` in report order; an empty list means a tenant
 * can apply the recipe as it is.
 */
export interface RecipeVerdict {
  file: string;
  allowed: boolean;
  violations: string[];
  warnings: number;
  why: string;
}

export const RECIPE_VERDICTS: readonly RecipeVerdict[] = [
  { file: '01-web-deny-all.yaml', allowed: true, violations: [], warnings: 0,
    why: '`ingress: []` only takes traffic away (deny all to app=web)' },
  { file: '02-api-allow.yaml', allowed: true, violations: [], warnings: 0,
    why: 'a podSelector peer stays in the policy\'s own namespace' },
  { file: '02a-web-allow-all.yaml', allowed: false, violations: ['OpenRule@spec.ingress[0]'], warnings: 0,
    why: '`ingress: [{}]` has no `from`: it admits every pod of every tenant' },
  { file: '03-default-deny-all.yaml', allowed: true, violations: [], warnings: 0,
    why: 'default deny for the namespace' },
  { file: '04-deny-from-other-namespaces.yaml', allowed: true, violations: [], warnings: 0,
    why: '`podSelector: {}` as the peer means every pod of this namespace only' },
  { file: '05-web-allow-all-namespaces.yaml', allowed: false, violations: ['SelectorAllNamespaces@spec.ingress[0].from[0].namespaceSelector'], warnings: 0,
    why: 'an empty namespaceSelector selects every namespace, other tenants\' included' },
  { file: '06-web-allow-prod.yaml', allowed: false, violations: ['SelectorUnconfined@spec.ingress[0].from[0].namespaceSelector'], warnings: 0,
    why: '`purpose: production` is a label any tenant can put on its namespaces' },
  { file: '07-web-allow-all-ns-monitoring.yaml', allowed: false, violations: ['SelectorUnconfined@spec.ingress[0].from[0].namespaceSelector'], warnings: 0,
    why: '`team: operations` is a label any tenant can put on its namespaces' },
  { file: '08-web-allow-external.yaml', allowed: false, violations: ['OpenRule@spec.ingress[0]'], warnings: 0,
    why: 'meant for external traffic, but `ingress: [{}]` admits every tenant\'s pods too; use an ipBlock that excepts the cluster ranges' },
  { file: '09-api-allow-5000.yaml', allowed: true, violations: [], warnings: 0,
    why: 'a podSelector peer on one port, in the own namespace' },
  { file: '10-redis-allow-services.yaml', allowed: true, violations: [], warnings: 0,
    why: 'three podSelector peers, all in the own namespace' },
  { file: '11-foo-deny-egress-1.yaml', allowed: true, violations: [], warnings: 0,
    why: '`egress: []` only takes traffic away' },
  { file: '11-foo-deny-egress-2.yaml', allowed: true, violations: [], warnings: 0,
    why: 'DNS in kube-system, named by kubernetes.io/metadata.name: a configured platform namespace' },
  { file: '12-default-deny-all-egress.yaml', allowed: true, violations: [], warnings: 0,
    why: 'default deny of egress for the namespace' },
  { file: '14-foo-deny-external-egress.yaml', allowed: true, violations: [], warnings: 0,
    why: 'egress only to DNS in kube-system (a configured platform namespace)' },
];
