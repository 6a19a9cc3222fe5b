/**
 * The rules that relate configuration fields to each other, which JSON
 * Schema cannot express. They are data, so that one declaration gives both
 * the server's check (checkRules, here) and the chart's template `fail`s
 * (src/generate/chart-config.ts), and `helm install` refuses what the
 * server would refuse, with the same message.
 *
 * Messages are templates: {value} is the offending value, {first} the index
 * of the earlier duplicate, {than} the value it must stay below.
 */

/** A path into the configuration, one segment per key. */
export type ConfigPath = readonly string[];

export type CrossFieldRule =
  /** No two entries of the list have the same `field`. */
  | { kind: 'unique'; list: ConfigPath; field: string; message: string }
  /** No entry's `field` equals the setting at `other`. */
  | { kind: 'differs'; list: ConfigPath; field: string; other: ConfigPath; message: string }
  /** When `when` is true, `field` is smaller than `than`. */
  | { kind: 'lessThan'; field: ConfigPath; than: ConfigPath; when: ConfigPath; message: string };

export const crossFieldRules: readonly CrossFieldRule[] = [
  // A tenant cannot take the platform value: it would own the platform's namespaces.
  { kind: 'differs', list: ['tenants'], field: 'name', other: ['platform', 'value'], message: '"{value}" is the platform value; a tenant cannot use it' },
  { kind: 'unique', list: ['tenants'], field: 'name', message: 'duplicates tenants[{first}]' },
  // A leader that stops renewing must give up before another may take over.
  {
    kind: 'lessThan', field: ['controller', 'leaderElection', 'renewDeadlineSeconds'], than: ['controller', 'leaderElection', 'leaseDurationSeconds'],
    when: ['controller', 'leaderElection', 'enabled'], message: 'must be shorter than leaseDurationSeconds ({than}), or two leaders could overlap',
  },
  {
    kind: 'lessThan', field: ['controller', 'leaderElection', 'retryPeriodSeconds'], than: ['controller', 'leaderElection', 'renewDeadlineSeconds'],
    when: ['controller', 'leaderElection', 'enabled'], message: 'must be shorter than renewDeadlineSeconds ({than})',
  },
];

/** `tenants[0].name`, as configuration errors name fields. */
export function renderConfigPath(path: readonly (string | number)[]): string {
  if (path.length === 0) return '(root)';
  return path.reduce<string>((acc, seg) => (typeof seg === 'number' ? `${acc}[${seg}]` : acc === '' ? seg : `${acc}.${seg}`), '');
}

export function fillMessage(message: string, values: Record<string, string | number>): string {
  return message.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

export interface RuleFinding {
  path: (string | number)[];
  message: string;
}

function at(doc: unknown, path: ConfigPath): unknown {
  let v = doc;
  for (const seg of path) v = typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>)[seg] : undefined;
  return v;
}

function entries(doc: unknown, list: ConfigPath, field: string): { index: number; value: string }[] {
  const items = at(doc, list);
  if (!Array.isArray(items)) return [];
  return items.flatMap((item: unknown, index) => {
    const value = typeof item === 'object' && item !== null ? (item as Record<string, unknown>)[field] : undefined;
    return typeof value === 'string' ? [{ index, value }] : [];
  });
}

/**
 * Every rule against a configuration with its defaults filled in. The rules
 * run even when the schema refused something, so one run reports every bad
 * field: they skip values of the wrong type (the schema reports those).
 */
export function checkRules(doc: unknown, rules: readonly CrossFieldRule[] = crossFieldRules): RuleFinding[] {
  const found: RuleFinding[] = [];
  for (const rule of rules) {
    switch (rule.kind) {
      case 'unique': {
        const seen = new Map<string, number>();
        for (const { index, value } of entries(doc, rule.list, rule.field)) {
          const first = seen.get(value);
          if (first !== undefined) found.push({ path: [...rule.list, index, rule.field], message: fillMessage(rule.message, { value, first }) });
          seen.set(value, index);
        }
        break;
      }
      case 'differs': {
        const other = at(doc, rule.other);
        for (const { index, value } of entries(doc, rule.list, rule.field)) {
          if (value === other) found.push({ path: [...rule.list, index, rule.field], message: fillMessage(rule.message, { value }) });
        }
        break;
      }
      case 'lessThan': {
        const [v, than] = [at(doc, rule.field), at(doc, rule.than)];
        if (at(doc, rule.when) === true && typeof v === 'number' && typeof than === 'number' && v >= than) {
          found.push({ path: [...rule.field], message: fillMessage(rule.message, { value: v, than }) });
        }
        break;
      }
    }
  }
  return found;
}
