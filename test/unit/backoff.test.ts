import { describe, expect, it } from 'vitest';
import { retryDelayMs } from '../../src/twilio/backoff.js';

describe('the retry policy', () => {
  it('doubles from 250 ms with equal jitter, capped at 10 s', () => {
    expect([0, 1, 2, 3].map((a) => retryDelayMs(a, 0, () => 0))).toEqual([125, 250, 500, 1000]);
    expect([0, 1, 2, 3].map((a) => retryDelayMs(a, 0, () => 1))).toEqual([250, 500, 1000, 2000]);
    expect(retryDelayMs(20, 0, () => 1)).toBe(10_000);
    expect(retryDelayMs(20, 0, () => 0)).toBe(5_000);
  });
  it('never retries before the server says', () => {
    expect(retryDelayMs(0, 3000, () => 1)).toBe(3000);
    expect(retryDelayMs(5, 100, () => 1)).toBe(8000);
  });
});
