/**
 * The configuration a Helm release of tenant-guard runs with: the chart's
 * ConfigMap (named `<release>-tenant-guard`, labelled with the chart's
 * app.kubernetes.io/name and instance, key `config.yaml`) in the release's
 * namespace. `audit` judges the cluster by it unless --config names a file,
 * so the audit and the running webhook cannot disagree about the tenants.
 */
import { configFromText, formatConfigErrors } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { KubeRest } from '../kube/rest.js';

/** The chart's key and labels (charts/tenant-guard/templates/configmap.yaml, _helpers.tpl). */
export const CONFIG_KEY = 'config.yaml';
export const CHART_NAME_LABEL = 'app.kubernetes.io/name';
export const RELEASE_LABEL = 'app.kubernetes.io/instance';

interface ConfigMap {
  metadata?: { name?: string; namespace?: string };
  data?: Record<string, string>;
}

export interface InstalledConfig {
  config: Config;
  /** namespace/name of the ConfigMap it came from. */
  source: string;
}

export type InstalledResult = { ok: true; installed: InstalledConfig } | { ok: false; message: string };

/** Which ConfigMap holds the release's configuration; pure, for the listing the API returned. */
export function pickConfigMap(items: readonly ConfigMap[], namespace: string, release: string | undefined): { ok: true; map: ConfigMap } | { ok: false; message: string } {
  const candidates = items.filter((cm) => typeof cm.data?.[CONFIG_KEY] === 'string');
  const hint = 'pass --config FILE, or --release-namespace/--release to find the installed one';
  if (candidates.length === 0) {
    const what = release === undefined ? `a tenant-guard release (ConfigMap labelled ${CHART_NAME_LABEL}=tenant-guard with ${CONFIG_KEY})` : `release ${release} (ConfigMap labelled ${RELEASE_LABEL}=${release} with ${CONFIG_KEY})`;
    return { ok: false, message: `no configuration of ${what} in namespace ${namespace}: ${hint}` };
  }
  if (candidates.length > 1) {
    return { ok: false, message: `several tenant-guard releases in namespace ${namespace} (ConfigMaps ${candidates.map((c) => c.metadata?.name ?? '?').join(', ')}): pass --release NAME or --config FILE` };
  }
  return { ok: true, map: candidates[0]! };
}

export async function readInstalledConfig(rest: KubeRest, namespace: string, release: string | undefined): Promise<InstalledResult> {
  const labelSelector = release === undefined ? `${CHART_NAME_LABEL}=tenant-guard` : `${RELEASE_LABEL}=${release}`;
  const list = await rest.list<ConfigMap>(`/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps`, 'configmaps', { labelSelector });
  const picked = pickConfigMap(list.items, namespace, release);
  if (!picked.ok) return picked;
  const source = `${namespace}/${picked.map.metadata?.name ?? '?'}`;
  const parsed = configFromText(picked.map.data?.[CONFIG_KEY] ?? '');
  if (!parsed.ok) return { ok: false, message: `the configuration in ConfigMap ${source} (${CONFIG_KEY}) is not valid: ${formatConfigErrors(parsed.errors)}` };
  return { ok: true, installed: { config: parsed.config, source } };
}
