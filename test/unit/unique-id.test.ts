/** src/sha256.ts and src/unique-id.ts: what the send path uses instead of node:crypto (it loads only where a path needs it). */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/sha256.js';
import { randomHex, uuidV7 } from '../../src/unique-id.js';

describe('sha256Hex', () => {
  it("gives node:crypto's digest for empty, ASCII, multi-block, boundary-length and non-ASCII texts", () => {
    // FIPS 180-4's own example first (B.1).
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const texts = ['', 'abc', 'a'.repeat(55), 'a'.repeat(56), 'a'.repeat(63), 'a'.repeat(64), 'a'.repeat(65), 'x'.repeat(1000), 'é😀\u0000\u2028'.repeat(40), JSON.stringify([['body', 'hi'], ['to', '+15550005678']])];
    for (let n = 0; n < 200; n++) texts.push(Array.from({ length: n }, (_, i) => String.fromCharCode((i * 7919 + n * 31) % 0x2fff)).join(''));
    for (const text of texts) expect(sha256Hex(text), JSON.stringify(text).slice(0, 40)).toBe(createHash('sha256').update(text).digest('hex'));
  });
});

describe('unique ids', () => {
  it('are UUIDs version 7 with the variant bits, time-ordered by their millisecond', () => {
    const id = uuidV7(0x0123456789ab);
    expect(id).toMatch(/^01234567-89ab-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(uuidV7(1) < uuidV7(2)).toBe(true);
    expect(randomHex(8)).toMatch(/^[0-9a-f]{8}$/);
    expect(randomHex(21)).toMatch(/^[0-9a-f]{21}$/);
  });

  it('do not repeat within a process, nor between processes started alike', () => {
    const many = new Set(Array.from({ length: 10_000 }, () => uuidV7(1_700_000_000_000)));
    expect(many.size).toBe(10_000);
    // Each process's Math.random is seeded anew (V8 asks Node's CSPRNG): same start, different ids.
    const draw = () => execFileSync(process.execPath, ['-e', 'process.stdout.write(String(Math.random()))'], { encoding: 'utf8' });
    expect(new Set([draw(), draw(), draw()]).size).toBe(3);
  });
});
