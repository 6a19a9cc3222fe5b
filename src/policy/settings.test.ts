/**
 * The CIDR pattern of protectedCIDRs (which `helm install` checks too)
 * against the parser the engine uses: whatever the pattern accepts the
 * parser reads, and the usual ways to write an address pass both.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCidr } from './cidr.js';
import { CIDR_PATTERN, PREFIXED_CIDR_PATTERN } from './settings.js';

const pattern = new RegExp(CIDR_PATTERN, 'u');
const prefix = fc.option(fc.integer({ min: 0, max: 140 }).map((n) => `/${n}`), { nil: '' });

describe('CIDR_PATTERN', () => {
  it('accepts every address with a valid prefix, in any of the usual forms', () => {
    fc.assert(fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), prefix, (addr, p) => {
      const text = `${addr}${p}`;
      expect(pattern.test(text), text).toBe(parseCidr(text) !== undefined);
    }), { numRuns: 5000 });
  });

  it('accepts nothing the parser refuses', () => {
    const chars = fc.constantFrom('0', '1', '9', '10', '255', '256', 'f', 'ffff', ':', '::', '.', '/', '32', '128', '%', ' ', 'x', '-');
    fc.assert(fc.property(fc.array(chars, { maxLength: 12 }).map((a) => a.join('')), (text) => {
      if (pattern.test(text)) expect(parseCidr(text), text).toBeDefined();
    }), { numRuns: 5000 });
  });

  it.each(['10.244.0.0/16', '10.0.0.1', '0.0.0.0/0', '::/0', 'fd00:10:244::/56', '::ffff:10.96.0.0/108', '2001:db8::1', '1:2:3:4:5:6:7:8/128', '::1.2.3.4', '10.0.0.0/08'])('accepts %s', (text) => {
    expect(pattern.test(text)).toBe(true);
    expect(parseCidr(text)).toBeDefined();
  });

  it.each(['foo', '', '10.0.0.0/33', 'fd00::/129', '10.0.0', '1.2.3.04', '10.0.0.0/', 'fe80::1%eth0', '1:2:3:4:5:6:7:8:9'])('refuses %j', (text) => {
    expect(pattern.test(text)).toBe(false);
    expect(parseCidr(text)).toBeUndefined();
  });
});

describe('PREFIXED_CIDR_PATTERN (tenants[].externalIPs)', () => {
  const prefixed = new RegExp(PREFIXED_CIDR_PATTERN, 'u');
  it('accepts only what CIDR_PATTERN accepts, with a prefix length', () => {
    fc.assert(fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), prefix, (addr, p) => {
      const text = `${addr}${p}`;
      if (prefixed.test(text)) {
        expect(pattern.test(text), text).toBe(true);
        expect(text).toContain('/');
      }
    }), { numRuns: 5000 });
  });

  it.each(['203.0.113.0/28', '0.0.0.0/0', '198.51.100.7/32', '2001:db8::/64', '::/0', 'fd00:10:244::/56'])('accepts %s', (text) => {
    expect(prefixed.test(text)).toBe(true);
    expect(parseCidr(text)).toBeDefined();
  });

  // CEL's cidr() needs the prefix length, refuses leading zeros in it and IPv4 written inside IPv6.
  it.each(['198.51.100.7', '10.0.0.0/08', '::ffff:192.0.2.0/120', '::1.2.3.4/128', '10.0.0.0/33', 'fd00::/129', ' 10.0.0.0/8'])('refuses %j', (text) => {
    expect(prefixed.test(text)).toBe(false);
  });
});
