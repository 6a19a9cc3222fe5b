/**
 * `npm run generate`: writes every artefact that comes from code, so none is
 * kept in step by hand. CI runs it and fails when the tree changes.
 *
 *   charts/tenant-guard/values.schema.json   the chart's values, config by the config schema
 *   charts/tenant-guard/templates/_config.tpl defaults and cross-field rules for the templates
 *   charts/tenant-guard/templates/_floor.tpl  the outage-safe floor, from src/floor
 *   README.md (configuration reference)       from the config schema
 *   README.md (CLI reference)                 from the CLI parser (src/cli/reference.ts)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withReference } from '../cli/reference.js';
import { floorTemplate } from '../floor/chart.js';
import { configTemplate } from './chart-config.js';
import { withConfigReference } from './readme-config.js';
import { valuesSchemaText } from './values-schema.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

const artefacts: [string, (current: string) => string][] = [
  ['charts/tenant-guard/values.schema.json', () => valuesSchemaText()],
  ['charts/tenant-guard/templates/_config.tpl', () => configTemplate()],
  ['charts/tenant-guard/templates/_floor.tpl', () => floorTemplate()],
  ['README.md', (current) => withReference(withConfigReference(current))],
];

for (const [file, make] of artefacts) {
  const path = `${root}${file}`;
  let current = '';
  try {
    current = readFileSync(path, 'utf8');
  } catch {
    // a new artefact
  }
  const next = make(current);
  if (next !== current) {
    writeFileSync(path, next);
    console.log(`wrote ${file}`);
  }
}
