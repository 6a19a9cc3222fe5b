/**
 * The chart's floor template is the generator run with placeholders: no
 * configured value and no default is written into it, and every
 * placeholder became template code. That its rendering equals
 * `tenant-guard floor`'s output is shown by test/e2e/helm-chart.e2e.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../config/load.js';
import { floorTemplate } from './chart.js';
import { floorSettingsOf, generateFloor } from './generate.js';

describe('floorTemplate', () => {
  const text = floorTemplate();

  it('leaves no placeholder behind', () => {
    expect(text).not.toMatch(/[\uE000-\uE003]/);
  });

  // Namespace names are looked for quoted: `default` is also a configuration key (enforcement.default).
  it('restates no default of the configuration', () => {
    const c = defaultConfig();
    for (const v of [c.tenantLabel, c.tenantGroupPrefix, ...c.platform.namespaces.filter((n) => n !== 'kube-system').flatMap((n) => [`"${n}"`, `'${n}'`]), ...c.admins.groups, ...c.cilium.deniedEntities.map((e) => `'${e}'`)]) {
      expect(text, v).not.toContain(v);
    }
  });

  it('has one document per object the generator makes', () => {
    const objects = generateFloor(floorSettingsOf(defaultConfig()), { namespace: 'ns' });
    expect(text.split('\n').filter((l) => l === '---')).toHaveLength(objects.length);
  });
});
