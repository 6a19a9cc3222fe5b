/**
 * CIDR arithmetic: parsing (IPv4, IPv6, IPv4-mapped IPv6), and whether a
 * block minus its excepts still reaches a protected range.
 */
import { describe, expect, it } from 'vitest';
import { coveredBy, intersect, parseAll, parseCidr, reachedProtected, type Cidr } from './cidr.js';

function must(text: string): Cidr {
  const c = parseCidr(text);
  if (c === undefined) throw new Error(`${text} should parse`);
  return c;
}

describe('parseCidr', () => {
  it.each<[string, unknown, { family: 4 | 6; text: string; prefix: number } | undefined]>([
    ['IPv4 block', '10.244.0.0/16', { family: 4, text: '10.244.0.0/16', prefix: 16 }],
    // Host bits are masked away: the block is judged as the network it denotes.
    ['IPv4 with host bits', '10.244.7.9/16', { family: 4, text: '10.244.0.0/16', prefix: 16 }],
    ['bare IPv4 is a host', '192.0.2.1', { family: 4, text: '192.0.2.1/32', prefix: 32 }],
    ['IPv4 /0', '0.0.0.0/0', { family: 4, text: '0.0.0.0/0', prefix: 0 }],
    ['surrounding spaces', ' 10.0.0.0/8 ', { family: 4, text: '10.0.0.0/8', prefix: 8 }],
    ['IPv6 block', 'fd00:10:244::/56', { family: 6, text: 'fd00:10:244::/56', prefix: 56 }],
    ['IPv6 with host bits', 'fd00:10:244::1/56', { family: 6, text: 'fd00:10:244::/56', prefix: 56 }],
    ['bare IPv6 is a host', '2001:db8::1', { family: 6, text: '2001:db8::1/128', prefix: 128 }],
    ['IPv6 /0', '::/0', { family: 6, text: '::/0', prefix: 0 }],
    // IPv4-mapped IPv6 is judged as the IPv4 block it maps to.
    ['IPv4-mapped /112', '::ffff:10.244.0.0/112', { family: 4, text: '10.244.0.0/16', prefix: 16 }],
    ['IPv4-mapped in hex', '::ffff:af4:0/112', { family: 4, text: '10.244.0.0/16', prefix: 16 }],
    ['IPv4-mapped host', '::ffff:10.96.0.1', { family: 4, text: '10.96.0.1/32', prefix: 32 }],
    ['the whole mapped space', '::ffff:0:0/96', { family: 4, text: '0.0.0.0/0', prefix: 0 }],
    // A block larger than the mapped space stays IPv6.
    ['wider than the mapped space', '::ffff:0:0/95', { family: 6, text: '::fffe:0:0/95', prefix: 95 }],
    ['IPv4 prefix too long', '10.0.0.0/33', undefined],
    ['IPv6 prefix too long', 'fd00::/129', undefined],
    ['negative prefix', '10.0.0.0/-1', undefined],
    ['prefix not a number', '10.0.0.0/x', undefined],
    ['empty prefix', '10.0.0.0/', undefined],
    ['two slashes', '10.0.0.0/8/8', undefined],
    ['octet out of range', '10.0.0.256/32', undefined],
    ['three octets', '10.0.0/24', undefined],
    // Leading zeros are ambiguous (octal in some parsers): refuse rather than guess.
    ['leading zero octet', '010.0.0.0/8', undefined],
    ['zone index', 'fe80::1%eth0/64', undefined],
    ['a name', 'pods', undefined],
    ['empty', '', undefined],
    ['number', 10, undefined],
    ['null', null, undefined],
    ['object', { cidr: '10.0.0.0/8' }, undefined],
  ])('%s', (_name, input, expected) => {
    const c = parseCidr(input);
    if (expected === undefined) expect(c).toBeUndefined();
    else expect(c).toMatchObject(expected);
  });

  it('start and end bound the block', () => {
    const c = must('10.96.0.0/12');
    expect(c.start).toBe(0x0a600000n);
    expect(c.end).toBe(0x0a6fffffn);
  });
});

describe('intersect', () => {
  it.each([
    // Nested: the smaller block is the overlap.
    ['nested', '10.0.0.0/8', '10.244.0.0/16', '10.244.0.0/16'],
    ['nested, other order', '10.244.0.0/16', '10.0.0.0/8', '10.244.0.0/16'],
    ['equal', '10.96.0.0/12', '10.96.0.0/12', '10.96.0.0/12'],
    ['disjoint', '10.0.0.0/16', '10.244.0.0/16', undefined],
    ['adjacent', '10.95.0.0/16', '10.96.0.0/16', undefined],
    ['different families', '0.0.0.0/0', '::/0', undefined],
    ['mapped meets IPv4', '::ffff:10.0.0.0/104', '10.244.0.0/16', '10.244.0.0/16'],
  ])('%s', (_name, a, b, expected) => {
    expect(intersect(must(a), must(b))?.text).toBe(expected);
  });
});

describe('coveredBy', () => {
  it.each([
    ['one exact cover', '10.244.0.0/16', ['10.244.0.0/16'], true],
    ['one larger cover', '10.244.0.0/16', ['10.0.0.0/8'], true],
    // Two halves, in either order, cover the whole.
    ['two halves', '10.244.0.0/16', ['10.244.0.0/17', '10.244.128.0/17'], true],
    ['two halves, reversed', '10.244.0.0/16', ['10.244.128.0/17', '10.244.0.0/17'], true],
    ['overlapping pieces', '10.244.0.0/16', ['10.244.0.0/17', '10.244.0.0/18', '10.244.64.0/18', '10.244.128.0/17'], true],
    ['a gap at the start', '10.244.0.0/16', ['10.244.128.0/17'], false],
    ['a gap at the end', '10.244.0.0/16', ['10.244.0.0/17'], false],
    ['a gap in the middle', '10.244.0.0/16', ['10.244.0.0/18', '10.244.128.0/17'], false],
    ['nothing', '10.244.0.0/16', [], false],
    ['other family only', '10.244.0.0/16', ['::/0'], false],
    ['unrelated ranges', '10.244.0.0/16', ['192.168.0.0/16'], false],
    ['IPv6', 'fd00:10:244::/56', ['fd00:10:244::/57', 'fd00:10:244:80::/57'], true],
  ])('%s', (_name, target, cover, expected) => {
    expect(coveredBy(must(target), cover.map(must))).toBe(expected);
  });
});

describe('reachedProtected', () => {
  const PROTECTED = parseAll(['10.244.0.0/16', '10.96.0.0/12', 'fd00:10:244::/56']);
  it.each<[string, string, string[], string[]]>([
    ['the world', '0.0.0.0/0', [], ['10.244.0.0/16', '10.96.0.0/12']],
    ['the world minus both ranges', '0.0.0.0/0', ['10.244.0.0/16', '10.96.0.0/12'], []],
    ['the world minus one range', '0.0.0.0/0', ['10.244.0.0/16'], ['10.96.0.0/12']],
    // Excepting a larger block also removes the protected range.
    ['10/8 minus 10/8', '10.0.0.0/8', ['10.0.0.0/8'], []],
    ['excepts in pieces', '10.0.0.0/8', ['10.244.0.0/17', '10.244.128.0/17', '10.96.0.0/12'], []],
    ['excepts in pieces with a hole', '10.0.0.0/8', ['10.244.0.0/17', '10.96.0.0/12'], ['10.244.0.0/16']],
    ['inside a protected range', '10.244.3.0/24', [], ['10.244.0.0/16']],
    ['inside, fully excepted', '10.244.3.0/24', ['10.244.3.0/24'], []],
    ['inside, partly excepted', '10.244.3.0/24', ['10.244.3.0/25'], ['10.244.0.0/16']],
    ['outside', '192.0.2.0/24', [], []],
    ['just below 10.96.0.0/12', '10.95.255.255/32', [], []],
    ['just above 10.96.0.0/12', '10.112.0.0/32', [], []],
    ['IPv6 world', '::/0', [], ['fd00:10:244::/56']],
    ['IPv6 world minus the range', '::/0', ['fd00:10:244::/56'], []],
    ['IPv6 outside', '2001:db8::/32', [], []],
    ['mapped IPv6 into the pod range', '::ffff:10.244.0.0/112', [], ['10.244.0.0/16']],
    ['IPv4 excepted with mapped IPv6', '10.0.0.0/8', ['::ffff:10.244.0.0/112', '::ffff:10.96.0.0/108'], []],
    // An except of the other family removes nothing.
    ['except of the other family', '0.0.0.0/0', ['::/0'], ['10.244.0.0/16', '10.96.0.0/12']],
  ])('%s', (_name, cidr, except, expected) => {
    expect(reachedProtected(must(cidr), except.map(must), PROTECTED).map((c) => c.text)).toEqual(expected);
  });
});

describe('parseAll', () => {
  it('keeps what parses, in order', () => {
    expect(parseAll(['10.0.0.0/8', 'nope', '::1']).map((c) => c.text)).toEqual(['10.0.0.0/8', '::1/128']);
  });
});
