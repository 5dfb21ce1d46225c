import { describe, expect, it } from 'vitest';
import { splitBody } from '../../src/messaging/chunk.js';
import { toE164 } from '../../src/messaging/phone.js';
import { planMessage } from '../../src/messaging/plan.js';
import { createRateLimiter, senderKindOf } from '../../src/messaging/rate-limiter.js';
import { analyzeSegments } from '../../src/messaging/segments.js';
import { UserError } from '../../src/errors.js';

const prices = { pricePerSegment: 0.0079, pricePerMms: 0.02 };

describe('segments by Twilio rules', () => {
  it('GSM-7 is 160 in one segment, 153 a segment after', () => {
    expect(analyzeSegments('a'.repeat(160))).toMatchObject({ encoding: 'GSM-7', segments: 1 });
    expect(analyzeSegments('a'.repeat(161))).toMatchObject({ encoding: 'GSM-7', segments: 2 });
    expect(analyzeSegments('a'.repeat(306))).toMatchObject({ segments: 2 });
    expect(analyzeSegments('a'.repeat(307))).toMatchObject({ segments: 3 });
  });
  it('UCS-2 is 70, then 67 a segment', () => {
    expect(analyzeSegments('Ж'.repeat(70))).toMatchObject({ encoding: 'UCS-2', segments: 1 });
    expect(analyzeSegments('Ж'.repeat(71))).toMatchObject({ encoding: 'UCS-2', segments: 2 });
  });
  it('GSM escape characters count double', () => {
    expect(analyzeSegments('{'.repeat(80))).toMatchObject({ encoding: 'GSM-7', segments: 1 });
    expect(analyzeSegments('{'.repeat(81))).toMatchObject({ encoding: 'GSM-7', segments: 2 });
  });
  it('names the characters that force UCS-2', () => {
    expect(analyzeSegments('it’s 😀').nonGsm).toEqual(['’', '😀']);
  });
});

describe('chunking', () => {
  const long = 'First paragraph is here. It has two sentences.\n\nSecond paragraph follows with more words in it.';
  it('auto splits at paragraphs, then sentences, then words', () => {
    expect(splitBody(long, { mode: 'auto', maxLength: 60, numbering: false })).toEqual(['First paragraph is here. It has two sentences.', 'Second paragraph follows with more words in it.']);
    expect(splitBody('One. Two two two. Three three three three.', { mode: 'auto', maxLength: 20, numbering: false })).toEqual(['One. Two two two.', 'Three three three', 'three.']);
  });
  it('length splits at the limit without breaking surrogate pairs', () => {
    const chunks = splitBody('😀'.repeat(25), { mode: 'length', maxLength: 10, numbering: false });
    expect(chunks.map((c) => [...c].length)).toEqual([10, 10, 5]);
    expect(chunks.join('')).toBe('😀'.repeat(25));
  });
  it('newline splits at line breaks', () => {
    expect(splitBody('line one\nline two\nline three', { mode: 'newline', maxLength: 18, numbering: false })).toEqual(['line one\nline two', 'line three']);
  });
  it('numbering adds counted (i/n) markers', () => {
    const chunks = splitBody('word '.repeat(60).trim(), { mode: 'auto', maxLength: 100, numbering: true });
    expect(chunks.at(-1)).toMatch(/\(\d\/\d\)$/);
    for (const c of chunks) expect([...c].length).toBeLessThanOrEqual(100);
    expect(chunks[0].endsWith(` (1/${chunks.length})`)).toBe(true);
  });
  it('off refuses an over-long body', () => {
    expect(() => splitBody('x'.repeat(20), { mode: 'off', maxLength: 10, numbering: false })).toThrow(UserError);
  });
  it('leaves a short body alone', () => {
    expect(splitBody('hi', { mode: 'auto', maxLength: 1600, numbering: true })).toEqual(['hi']);
  });
});

describe('dry-run plan', () => {
  it('prices segments and MMS, and warns when one character doubles the cost', () => {
    const plan = planMessage(`Hello ${'a'.repeat(60)} “quoted”`, [], { mode: 'auto', maxLength: 1600, numbering: false }, prices);
    expect(plan).toMatchObject({ encoding: 'UCS-2', segments: 2, estimatedPrice: 0.0158 });
    expect(plan.warnings[0]).toContain('U+201C');
    expect(plan.warnings[0]).toContain('2 segments instead of 1');
    expect(planMessage('pic', ['https://x/y.jpg'], { mode: 'auto', maxLength: 1600, numbering: false }, prices).estimatedPrice).toBe(0.02);
    expect(planMessage('plain', [], { mode: 'auto', maxLength: 1600, numbering: false }, prices).warnings).toEqual([]);
  });
});

describe('phone numbers', () => {
  it('normalises to E.164 and refuses what is not a number, with an example', () => {
    expect(toE164('+1 (555) 000-5678')).toBe('+15550005678');
    expect(toE164('(415) 555-2671', 'US')).toBe('+14155552671');
    expect(toE164('020 7946 0018', 'GB')).toBe('+442079460018');
    expect(toE164('12345')).toBe('12345');
    const err = (() => {
      try {
        toE164('555-0000');
      } catch (e) {
        return e as UserError;
      }
    })()!;
    expect(err.exitCode).toBe(2);
    expect(err.hint).toContain('+15550005678');
    expect(() => toE164('+1234')).toThrow(/not a valid phone number/);
  });

  it('refuses text or an extension around the number instead of dropping it; takes a tel: link', () => {
    expect(() => toE164('+1 555 000 5678 call me')).toThrow(/other text than the number/);
    expect(() => toE164('+15550005678x')).toThrow(/extension/);
    expect(() => toE164('+15550005678;ext=12')).toThrow(/extension/);
    expect(() => toE164('+15550005678 ext. 12')).toThrow(/extension/);
    expect(() => toE164('tel:+15550005678;ext=12')).toThrow(/extension/);
    expect(() => toE164('+1-800-FLOWERS')).toThrow(/other text/);
    expect(() => toE164('nonsense')).toThrow(/it is not a phone number/);
    expect(toE164('tel:+15550005678')).toBe('+15550005678');
    expect(toE164('+1.555.000.5678')).toBe('+15550005678');
    expect(toE164('555-000-5678', 'US')).toBe('+15550005678');
  });
});

describe('rate limiter', () => {
  it('spaces takes at the rate (a lower bound only: load can only slow it)', async () => {
    const limiter = createRateLimiter(50);
    const started = performance.now();
    await Promise.all(Array.from({ length: 6 }, () => limiter.take()));
    expect(performance.now() - started).toBeGreaterThanOrEqual(95);
  });
  it('gives a refunded slot to the next take', async () => {
    let t = 0;
    const limiter = createRateLimiter(1, () => t);
    const slot = await limiter.take(); // slot at 0; the next would be at 1000 ms
    await slot.refund();
    const started = performance.now();
    await limiter.take(); // the refund makes it due now
    expect(performance.now() - started).toBeLessThan(500);
  });
  it('knows senders by shape', () => {
    expect(senderKindOf({ from: '+15550001234' })).toBe('longcode');
    expect(senderKindOf({ from: '+18005550100' })).toBe('tollfree');
    expect(senderKindOf({ from: '12345' })).toBe('shortcode');
    expect(senderKindOf({ messagingServiceSid: 'MG1' })).toBe('service');
    expect(senderKindOf({ from: '+15550001234' }, 'shortcode')).toBe('shortcode');
  });
});
