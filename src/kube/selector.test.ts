/** controller.namespaceSelector: the equality-based label selectors it accepts, and what they match. */
import { describe, expect, it } from 'vitest';
import { matcher, parseSelector } from './selector.js';

function matches(selector: string, labels: Record<string, string> | undefined): boolean {
  const r = parseSelector(selector);
  if (!r.ok) throw new Error(r.error);
  return matcher(r.requirements)(labels);
}

describe('namespace selectors', () => {
  it.each([
    ['', {}, true],
    ['', undefined, true],
    ['env=prod', { env: 'prod' }, true],
    ['env==prod', { env: 'prod' }, true],
    ['env=prod', { env: 'dev' }, false],
    ['env!=prod', { env: 'dev' }, true],
    ['env!=prod', {}, true],
    ['env!=prod', { env: 'prod' }, false],
    ['example.com/managed', { 'example.com/managed': '' }, true],
    ['example.com/managed', {}, false],
    ['!legacy', { legacy: 'yes' }, false],
    ['!legacy', {}, true],
    [' env = prod , tier ', { env: 'prod', tier: 'x' }, true],
    ['env=prod,tier', { env: 'prod' }, false],
    ['env=', { env: '' }, true],
  ])('%j on %j → %s', (selector, labels, expected) => {
    expect(matches(selector, labels)).toBe(expected);
  });

  it.each([
    ['env in (a,b)', 'only equality-based requirements'],
    ['env notin (a)', 'only equality-based requirements'],
    ['-bad=x', 'is not a label key'],
    ['env=has space', 'is not a label value'],
    ['a=b,,c', 'is not a label key'],
  ])('refuses %j', (selector, message) => {
    const r = parseSelector(selector);
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.error).toContain(message);
  });
});
