import { describe, expect, it } from 'vitest';
import { bundleContains, bundleFingerprints, mergeBundle, parseCert, sameBundle, splitPem } from './bundle.js';
import { issueCA } from './issue.js';

const DAY = 86_400_000;
const now = new Date('2030-01-01T00:00:00Z');
const live1 = issueCA('live-1', 365, new Date(now.getTime() - DAY)).certPem;
const live2 = issueCA('live-2', 365, new Date(now.getTime() - DAY)).certPem;
// Valid for one day, ten days ago: expired at `now`.
const expired = issueCA('expired', 1, new Date(now.getTime() - 10 * DAY)).certPem;
// Expires one second after `now`: still trusted.
const lastSecond = issueCA('last-second', 1, new Date(now.getTime() - DAY + 1000)).certPem;

function cn(pem: string): string {
  return parseCert(pem)!.x509.subject.match(/CN=([^\n]+)/)![1]!;
}

describe('splitPem', () => {
  it('finds every certificate, normalises CRLF and ignores text around the blocks', () => {
    const text = `junk before\r\n${live1.replace(/\n/g, '\r\n')}comment between\n${live2}trailing`;
    const blocks = splitPem(text);
    expect(blocks).toHaveLength(2);
    expect(blocks.map(cn)).toEqual(['live-1', 'live-2']);
    expect(blocks.every((b) => !b.includes('\r') && b.endsWith('-----END CERTIFICATE-----\n'))).toBe(true);
  });

  it('returns nothing for an empty or certificate-free text', () => {
    expect(splitPem('')).toEqual([]);
    expect(splitPem('-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n')).toEqual([]);
  });
});

describe('mergeBundle', () => {
  it('keeps each certificate once, in first-seen order, across several texts', () => {
    const merged = mergeBundle([live1 + live2, live2, live1], now);
    expect(splitPem(merged).map(cn)).toEqual(['live-1', 'live-2']);
  });

  it('dedupes by content, not by PEM text (CRLF, no trailing newline)', () => {
    const reformatted = live1.replace(/\n/g, '\r\n').trimEnd();
    const merged = mergeBundle([live1, reformatted], now);
    expect(splitPem(merged)).toHaveLength(1);
  });

  it('drops expired CAs and keeps one that expires after now', () => {
    const merged = mergeBundle([expired + live1, lastSecond], now);
    expect(splitPem(merged).map(cn)).toEqual(['live-1', 'last-second']);
    // One second later that one is gone too.
    expect(splitPem(mergeBundle([merged], new Date(now.getTime() + 2000))).map(cn)).toEqual(['live-1']);
  });

  it('drops blocks that are not certificates', () => {
    const broken = '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n';
    expect(splitPem(mergeBundle([broken, live2], now)).map(cn)).toEqual(['live-2']);
  });

  it('is stable: merging a merged bundle again gives the same text', () => {
    const once = mergeBundle([live2, live1, expired], now);
    expect(mergeBundle([once], now)).toBe(once);
  });
});

describe('bundle comparisons', () => {
  it('bundleContains checks every given certificate', () => {
    const b = mergeBundle([live1, live2], now);
    expect(bundleContains(b, [live1])).toBe(true);
    expect(bundleContains(b, [live1, live2])).toBe(true);
    expect(bundleContains(b, [live1, lastSecond])).toBe(false);
    expect(bundleContains('', [live1])).toBe(false);
    expect(bundleContains(b, ['not a certificate'])).toBe(false);
  });

  it('sameBundle ignores formatting but not order or membership', () => {
    expect(sameBundle(live1 + live2, live1.replace(/\n/g, '\r\n') + live2)).toBe(true);
    expect(sameBundle(live1 + live2, live2 + live1)).toBe(false);
    expect(sameBundle(live1, live1 + live2)).toBe(false);
    expect(bundleFingerprints(live1 + live2)).toHaveLength(2);
  });
});
