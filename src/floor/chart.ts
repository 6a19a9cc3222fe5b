/**
 * The floor as a Helm template, written by `npm run generate` into
 * charts/tenant-guard/templates/_floor.tpl from the very code that
 * `tenant-guard floor` runs (floorObjects in generate.ts), so the chart has
 * no floor of its own to keep in step.
 *
 * How: floorObjects is run once with symbolic inputs, each a marker that
 * stands for a value the chart only knows at install time (the tenant label,
 * the admins, the release namespace, …), and with a CelText that records
 * what is done to a marker (quoted as a CEL string, made a CEL list, joined,
 * tested for emptiness) instead of doing it. Every string of the resulting
 * objects that holds a marker becomes a template expression that does the
 * same to the real value. The Go helpers below are therefore the only
 * template code: CEL quoting, the parameter's member encoding, and the
 * inputs read from the chart's configuration (defaults filled in from the
 * configuration schema by tenant-guard.config.filled).
 */
import type { CelText } from './cel.js';
import { floorObjects, type FloorInputs } from './generate.js';

const VALUE = '\uE000';
const LIST = '\uE002';
const CHOICE = '\uE003';
const END = '\uE001';
const MARKER = /([\uE000\uE002\uE003])([^\uE001]*)\uE001/g;

type Part = { text: string } | { value: string; ops: string[] } | { list: string } | { choice: number };

function parts(s: string): Part[] {
  const out: Part[] = [];
  let last = 0;
  for (const m of s.matchAll(MARKER)) {
    if (m.index > last) out.push({ text: s.slice(last, m.index) });
    const [kind, body] = [m[1]!, m[2]!];
    if (kind === VALUE) {
      const [value, ...ops] = body.split('|');
      out.push({ value: value!, ops });
    } else if (kind === LIST) out.push({ list: body });
    else out.push({ choice: Number(body) });
    last = m.index + m[0].length;
  }
  if (last < s.length) out.push({ text: s.slice(last) });
  return out;
}

const marked = (s: string) => s.includes(VALUE) || s.includes(LIST) || s.includes(CHOICE);
const listName = (items: readonly unknown[]) => {
  const only = items.length === 1 ? items[0] : undefined;
  return typeof only === 'string' && only.startsWith(LIST) ? only.slice(1, -1) : undefined;
};
const innerEscape = (s: string) => s.replace(/\\/g, '\\\\').replace(/'/g, "\\'");

interface Choice { cond: string; then: string; otherwise: string }

/** A CelText that records operations on markers; plain text is handled as celText does. */
function symbolicCel(choices: Choice[]): CelText {
  const inner = (s: string) => parts(s).map((p) => {
    if ('text' in p) return innerEscape(p.text);
    if ('value' in p) return `${VALUE}${[p.value, ...p.ops, 'inner'].join('|')}${END}`;
    throw new Error('a list or a choice cannot be quoted as a CEL string');
  }).join('');
  const str = (s: string) => `'${inner(s)}'`;
  return {
    str,
    inner,
    list: (items) => {
      const name = listName(items);
      return name !== undefined ? `${VALUE}${name}|list${END}` : `[${items.map(str).join(', ')}]`;
    },
    joined: (items) => {
      const name = listName(items);
      return name !== undefined ? `${VALUE}${name}|join${END}` : items.join(', ');
    },
    ifNonEmpty: (value, then, otherwise) => {
      const p = parts(value);
      if (p.length !== 1 || !('value' in p[0]!) || p[0].ops.length > 0) throw new Error('ifNonEmpty needs a plain input');
      choices.push({ cond: p[0].value, then, otherwise });
      return `${CHOICE}${choices.length - 1}${END}`;
    },
  };
}

/** The inputs as markers; each name is a key of the dict tenant-guard.floor.values renders. */
const symbolicInputs: FloorInputs = {
  tenantLabel: `${VALUE}tenantLabel${END}`,
  platformValue: `${VALUE}platformValue${END}`,
  platformNamespaces: [`${LIST}platformNamespaces${END}`],
  tenantGroupPrefix: `${VALUE}tenantGroupPrefix${END}`,
  exemptUsers: [`${LIST}exemptUsers${END}`],
  exemptGroups: [`${LIST}exemptGroups${END}`],
  deniedEntities: [`${LIST}deniedEntities${END}`],
  params: `${VALUE}params${END}` as unknown as Record<string, string>,
  externalIPRanges: `${VALUE}externalIPRanges${END}`,
  namespace: `${VALUE}namespace${END}`,
  excludedNamespaces: [`${LIST}excludedNamespaces${END}`],
  serviceAccountMembers: `${VALUE}serviceAccountMembers${END}`,
  enforcement: `${VALUE}enforcement${END}`,
};

const OPS: Record<string, (x: string) => string> = {
  inner: (x) => `(include "tenant-guard.cel.inner" ${x})`,
  list: (x) => `(include "tenant-guard.cel.list" ${x})`,
  join: (x) => `(join ", " ${x})`,
};

/** A Go template expression for a string that may hold markers. */
function goExpr(s: string, choices: readonly Choice[]): string {
  const exprs = parts(s).map((p) => {
    if ('text' in p) return JSON.stringify(p.text);
    if ('list' in p) return `$v.${p.list}`;
    if ('choice' in p) {
      const c = choices[p.choice]!;
      return `(ternary ${goExpr(c.then, choices)} ${goExpr(c.otherwise, choices)} (ne $v.${c.cond} ""))`;
    }
    return p.ops.reduce((x, op) => OPS[op]!(x), `$v.${p.value}`);
  });
  return exprs.length === 1 ? exprs[0]! : `(print ${exprs.join(' ')})`;
}

/** YAML lines for a value: scalars as JSON (valid YAML), marked strings and lists as template expressions. */
function yaml(value: unknown, indent: string, choices: readonly Choice[]): { inline: string } | { lines: string[] } {
  if (typeof value === 'string') return { inline: marked(value) ? `{{ ${goExpr(value, choices)} | toJson }}` : JSON.stringify(value) };
  if (typeof value !== 'object' || value === null) return { inline: JSON.stringify(value) };
  if (Array.isArray(value)) {
    const name = listName(value);
    if (name !== undefined) return { inline: `{{ $v.${name} | toJson }}` };
    if (value.length === 0) return { inline: '[]' };
    return {
      lines: value.flatMap((item) => {
        const y = yaml(item, `${indent}  `, choices);
        if ('inline' in y) return [`${indent}- ${y.inline}`];
        return [`${indent}- ${y.lines[0]!.slice(indent.length + 2)}`, ...y.lines.slice(1)];
      }),
    };
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return { inline: '{}' };
  return {
    lines: entries.flatMap(([k, v]) => {
      const y = yaml(v, `${indent}  `, choices);
      return 'inline' in y ? [`${indent}${JSON.stringify(k)}: ${y.inline}`] : [`${indent}${JSON.stringify(k)}:`, ...y.lines];
    }),
  };
}

const HELPERS = String.raw`{{/* A CEL string literal: backslashes and single quotes escaped (cel.ts str). */}}
{{- define "tenant-guard.cel.inner" -}}
{{ . | replace "\\" "\\\\" | replace "'" "\\'" }}
{{- end }}
{{- define "tenant-guard.cel.str" -}}
'{{ include "tenant-guard.cel.inner" . }}'
{{- end }}

{{/* A CEL list of string literals (cel.ts list). */}}
{{- define "tenant-guard.cel.list" -}}
{{- $items := list }}
{{- range . }}{{ $items = append $items (include "tenant-guard.cel.str" .) }}{{ end -}}
[{{ join ", " $items }}]
{{- end }}

{{/* A membership name inside the parameter: % and , percent-encoded (generate.ts encodeMember). */}}
{{- define "tenant-guard.floor.encodeMember" -}}
{{- . | replace "%" "%25" | replace "," "%2C" }}
{{- end }}

{{/*
The floor's inputs (generate.ts FloorInputs, floorInputs) from the chart's
configuration, as tenant-guard floor gets them from
  --config <the ConfigMap's config.yaml> --namespace <release namespace>
  --exempt-user <the chart's service account user>
  --exclude-namespace kube-system --exclude-namespace <release namespace>
  [--exclude-namespace <each webhook.excludeNamespaces>]
*/}}
{{- define "tenant-guard.floor.values" -}}
{{- $cfg := include "tenant-guard.config.filled" . | fromJson }}
{{- $params := dict }}
{{- range $cfg.tenants }}
{{- $members := list }}
{{- range .groups }}{{ $members = append $members (print "g:" (include "tenant-guard.floor.encodeMember" .)) }}{{ end }}
{{- range .users }}{{ $members = append $members (print "u:" (include "tenant-guard.floor.encodeMember" .)) }}{{ end }}
{{- $_ := set $params .name (ternary "" (print "," (join "," $members) ",") (empty $members)) }}
{{- end }}
{{- /* generate.ts externalIPRanges: per tenant with ranges "variables.nsTenant == '<name>' ? [<ranges>] : (", then "[]" and the parentheses. */}}
{{- $ranges := "" }}
{{- $closing := "" }}
{{- range $cfg.tenants }}
{{- if .externalIPs }}
{{- $ranges = print $ranges "variables.nsTenant == " (include "tenant-guard.cel.str" .name) " ? " (include "tenant-guard.cel.list" .externalIPs) " : (" }}
{{- $closing = print $closing ")" }}
{{- end }}
{{- end }}
{{- /* enforcement.ts floorEnforcement: "" with nothing relaxed; "keep:,<pinned codes>," when the default or a tenant is relaxed; else "drop:,<relaxed codes>,". */}}
{{- $pinned := list }}
{{- $relaxed := list }}
{{- range $code, $mode := $cfg.enforcement.codes }}
{{- if eq $mode "deny" }}{{ $pinned = append $pinned $code }}{{ else }}{{ $relaxed = append $relaxed $code }}{{ end }}
{{- end }}
{{- $baseRelaxed := ne $cfg.enforcement.default "deny" }}
{{- range $tenant, $mode := $cfg.enforcement.tenants }}{{ if ne $mode "deny" }}{{ $baseRelaxed = true }}{{ end }}{{ end }}
{{- $enforcement := "" }}
{{- if $baseRelaxed }}{{ $enforcement = print "keep:," (join "," $pinned) "," }}{{ else if $relaxed }}{{ $enforcement = print "drop:," (join "," $relaxed) "," }}{{ end }}
{{- dict
    "tenantLabel" $cfg.tenantLabel
    "platformValue" $cfg.platform.value
    "platformNamespaces" $cfg.platform.namespaces
    "tenantGroupPrefix" $cfg.tenantGroupPrefix
    "exemptUsers" (concat $cfg.admins.users (list (include "tenant-guard.serviceAccountUser" .)))
    "exemptGroups" $cfg.admins.groups
    "deniedEntities" $cfg.cilium.deniedEntities
    "params" $params
    "externalIPRanges" (print $ranges "[]" $closing)
    "namespace" .Release.Namespace
    "excludedNamespaces" (concat (list "kube-system" .Release.Namespace) .Values.webhook.excludeNamespaces | uniq)
    "serviceAccountMembers" (ternary "" $cfg.serviceAccounts (eq $cfg.serviceAccounts "none"))
    "enforcement" $enforcement
    | toJson }}
{{- end }}
`;

/** The text of charts/tenant-guard/templates/_floor.tpl. */
export function floorTemplate(): string {
  const choices: Choice[] = [];
  const objects = floorObjects(symbolicInputs, symbolicCel(choices));
  const docs = objects.map((o) => {
    const y = yaml(o, '', choices);
    return ['---', ...('lines' in y ? y.lines : [y.inline])].join('\n');
  });
  return [
    '{{/*',
    'Generated by `npm run generate` from src/floor (floorObjects, run with the',
    'chart\'s values as its inputs; see src/floor/chart.ts). Do not edit: change',
    'the generator and run `npm run generate`.',
    '*/}}',
    '',
    HELPERS,
    '{{/* The floor\'s objects as a YAML stream: the parameter ConfigMap, the policies, their bindings. */}}',
    '{{- define "tenant-guard.floor" -}}',
    '{{- $v := include "tenant-guard.floor.values" . | fromJson }}',
    ...docs,
    '{{- end }}',
    '',
  ].join('\n');
}
