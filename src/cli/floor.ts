/** `tenant-guard floor`: print the outage-safe ValidatingAdmissionPolicies for a config. */
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { formatConfigErrors, loadConfigFile } from '../config/load.js';
import { floorSettingsOf, generateFloor } from '../floor/generate.js';
import { collect, outputOption, UsageError, type Io, type ActionWrapper } from './args.js';

interface FloorFlags {
  config?: string;
  namespace: string;
  exemptUser?: string[];
  excludeNamespace?: string[];
  output: string;
}

export function floorCommand(program: Command, io: Io, action: ActionWrapper): Command {
  return program.command('floor')
    .summary('print the outage-safe ValidatingAdmissionPolicies')
    .description('Print the outage-safe floor for a configuration: the ValidatingAdmissionPolicies, their bindings and parameter object, which the API server enforces itself, with no webhook running. Text output is the YAML.')
    .option('--config <file>', 'tenant-guard configuration (default: the built-in defaults)')
    .option('-n, --namespace <ns>', 'the namespace tenant-guard runs in (its parameter object lives there)', 'tenant-guard-system')
    .option('--exempt-user <user>', 'a user the floor does not judge (tenant-guard\'s own service account); repeatable', collect)
    .option('--exclude-namespace <ns>', 'a namespace the floor does not judge; repeatable (default: kube-system and --namespace)', collect)
    .addOption(outputOption(['yaml', 'json', 'text'], 'yaml'))
    .action(action<FloorFlags>('floor', (flags) => runFloor(flags, (s) => io.out(s))));
}

async function runFloor(values: FloorFlags, out: (s: string) => void): Promise<number> {
  const cfg = await loadConfigFile(values.config);
  if (!cfg.ok) throw new UsageError(formatConfigErrors(cfg.errors));
  const output = values.output;
  const namespace = values.namespace;
  const objects = generateFloor(floorSettingsOf(cfg.config), {
    namespace,
    exemptUsers: values.exemptUser ?? [],
    excludedNamespaces: values.excludeNamespace ?? ['kube-system', namespace],
  });
  out(output === 'json'
    ? JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 2)
    : objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n'));
  return 0;
}
