/** RFC 6902 patches applied to a YAML document in place (what `check --fix` writes). */
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { applyPatchToDocument } from './yaml-patch.js';

const SOURCE = `spec:
  ingress:
    - from: [] # nobody yet
  labels: {"tenant-guard.io/tenant": acme}
`;

describe('applyPatchToDocument', () => {
  it('adds, appends, replaces and removes at JSON pointers, keeping comments', () => {
    const doc = parseDocument(SOURCE);
    const r = applyPatchToDocument(doc, [], [
      { op: 'add', path: '/spec/ingress/0/from/-', value: { podSelector: {} } },
      { op: 'replace', path: '/spec/labels/tenant-guard.io~1tenant', value: 'globex' },
      { op: 'add', path: '/spec/egress', value: [] },
    ]);
    expect(r).toEqual({ ok: true });
    expect(doc.toJS()).toEqual({ spec: { ingress: [{ from: [{ podSelector: {} }] }], labels: { 'tenant-guard.io/tenant': 'globex' }, egress: [] } });
    expect(doc.toString()).toContain('# nobody yet');
    expect(applyPatchToDocument(doc, [], [{ op: 'remove', path: '/spec/egress' }])).toEqual({ ok: true });
    expect(doc.hasIn(['spec', 'egress'])).toBe(false);
  });

  it('a path relative to an item of the document', () => {
    const doc = parseDocument('items:\n  - {spec: {a: 1}}\n');
    expect(applyPatchToDocument(doc, ['items', 0], [{ op: 'replace', path: '/spec/a', value: 2 }])).toEqual({ ok: true });
    expect(doc.toJS()).toEqual({ items: [{ spec: { a: 2 } }] });
  });

  it.each([
    // Display text is not a pointer: refused, never applied at the document root.
    ['spec.ingress[0]', 'is not a JSON pointer'],
    ['', 'at the document root'],
    ['/spec/missing', 'nothing to replace'],
  ])('%j is refused', (path, message) => {
    const doc = parseDocument(SOURCE);
    const r = applyPatchToDocument(doc, [], [{ op: 'replace', path, value: 1 }]);
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.message).toContain(message);
    expect(doc.toString()).toBe(parseDocument(SOURCE).toString());
  });
});
