/**
 * The README's configuration reference: one row per setting, with its
 * default and description taken from the schema (src/config/schema.ts and
 * src/policy/settings.ts), between the markers `npm run generate` rewrites.
 */
import { crossFieldRules, renderConfigPath, type CrossFieldRule } from '../config/rules.js';
import { configSchema } from '../config/schema.js';

interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  default?: unknown;
  description?: string;
}

function show(v: unknown): string {
  if (typeof v === 'string') return v === '' ? '`""`' : /[:\s]/.test(v) ? `\`"${v}"\`` : `\`${v}\``;
  if (Array.isArray(v)) return `\`[${v.map(String).join(', ')}]\``;
  return `\`${JSON.stringify(v)}\``;
}

function rows(node: SchemaNode, path: string): string[] {
  return Object.entries(node.properties ?? {}).flatMap(([key, child]) => {
    const p = path === '' ? key : `${path}.${key}`;
    const text = (child.description ?? '').replace(/\|/g, '\\|');
    if (child.type === 'object' && child.properties !== undefined) return [`| \`${p}.*\` | | ${text} |`, ...rows(child, p)];
    return [`| \`${p}\` | ${child.default === undefined ? '(required)' : show(child.default)} | ${text} |`];
  });
}

export const BEGIN = '<!-- generated: configuration reference (npm run generate) -->';
export const END = '<!-- end of generated configuration reference -->';

function ruleLine(rule: CrossFieldRule): string {
  const [path, text] = rule.kind === 'lessThan'
    ? [renderConfigPath(rule.field), `${rule.message.replace(' ({than})', '')} (when \`${renderConfigPath(rule.when)}\`)`]
    : [`${renderConfigPath(rule.list)}[].${rule.field}`, rule.message.replace('"{value}"', 'a name').replace('tenants[{first}]', 'another entry')];
  return `- \`${path}\`: ${text}`;
}

export function configReference(): string {
  return [
    '| field | default | meaning |',
    '| --- | --- | --- |',
    ...rows(configSchema, ''),
    '',
    'Rules between fields (refused by the server and by `helm install` alike):',
    '',
    ...crossFieldRules.map(ruleLine),
  ].join('\n');
}

/** The README with the section between the markers replaced. */
export function withConfigReference(readme: string): string {
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (start === -1 || end < start) throw new Error(`README.md has no ${BEGIN} … ${END} section`);
  return `${readme.slice(0, start + BEGIN.length)}\n${configReference()}\n${readme.slice(end)}`;
}
