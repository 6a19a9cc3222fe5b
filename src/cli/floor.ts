/** `tenant-guard floor`: print the outage-safe ValidatingAdmissionPolicies for a config. */
import { stringify } from 'yaml';
import { formatConfigErrors, loadConfigFile } from '../config/load.js';
import { generateFloor } from '../floor/generate.js';
import { parse, UsageError } from './args.js';

export async function runFloor(argv: string[], out: (s: string) => void): Promise<number> {
  const { values } = parse(argv, {
    config: { type: 'string' },
    namespace: { type: 'string' },
    'exempt-user': { type: 'string', multiple: true },
    'exclude-namespace': { type: 'string', multiple: true },
    output: { type: 'string', short: 'o' },
  });
  const cfg = await loadConfigFile(values.config);
  if (!cfg.ok) throw new UsageError(formatConfigErrors(cfg.errors));
  const output = values.output ?? 'yaml';
  if (output !== 'yaml' && output !== 'json') throw new UsageError(`-o must be yaml or json, got "${output}"`);
  const namespace = values.namespace ?? 'tenant-guard-system';
  const objects = generateFloor(cfg.config, {
    namespace,
    exemptUsers: values['exempt-user'] ?? [],
    excludedNamespaces: values['exclude-namespace'] ?? ['kube-system', namespace],
  });
  out(output === 'json'
    ? JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 2)
    : objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n'));
  return 0;
}
