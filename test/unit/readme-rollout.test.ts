/**
 * README.md's "Rolling out on an existing cluster": the values it shows for
 * the dryrun step are a valid configuration and chart values, and they keep
 * every namespace-ownership code (and OwnershipUnknown) refused for every
 * request, as the text says, however many such codes the engine has.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configFromObject } from '../../src/config/load.js';
import { VIOLATION_CODES } from '../../src/policy/codes.js';
import { deniedEverywhere } from '../../src/policy/enforcement.js';
import { repo } from './cli-support.js';

const readme = readFileSync(join(repo, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('## Rolling out on an existing cluster\n'), readme.indexOf('## Configuration reference\n'));
const block = /```yaml\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
const values = parse(block.split('\n').map((l) => l.replace(/^ {3}/, '')).join('\n')) as { config: unknown; webhook: { failurePolicy: Record<string, string> } };

describe('the rollout section of README.md', () => {
  it('shows a dryrun configuration the server accepts', () => {
    const r = configFromObject(values.config);
    expect(r.ok, JSON.stringify(r.ok ? [] : r.errors)).toBe(true);
    if (r.ok) expect(r.config.enforcement.default).toBe('dryrun');
  });

  it('keeps every namespace-ownership code and OwnershipUnknown at deny for every request', () => {
    const r = configFromObject(values.config);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const ownership = VIOLATION_CODES.filter((c) => c.startsWith('Namespace') || c === 'OwnershipUnknown');
    expect(ownership.length).toBeGreaterThan(5);
    expect(ownership.filter((c) => !deniedEverywhere(c, r.config.enforcement))).toEqual([]);
    // And nothing else: the step is a dryrun of the policy rules.
    expect(VIOLATION_CODES.filter((c) => !ownership.includes(c) && deniedEverywhere(c, r.config.enforcement))).toEqual([]);
  });

  it('sets only the policies\' failurePolicy, a key of the chart', () => {
    expect(values.webhook.failurePolicy).toEqual({ policies: 'Ignore' });
    const chart = parse(readFileSync(join(repo, 'charts', 'tenant-guard', 'values.yaml'), 'utf8')) as { webhook: { failurePolicy: Record<string, string> } };
    expect(Object.keys(chart.webhook.failurePolicy).sort()).toEqual(['namespaces', 'policies']);
    expect(chart.webhook.failurePolicy.namespaces).toBe('Fail');
  });
});
