import { describe, expect, it } from 'vitest';
import { analyzeSegments } from '../../src/messaging/segments.js';
import { DEFAULT_RATES as PRODUCT_RATES, senderRate } from '../../src/messaging/rate-limiter.js';
import { DEFAULT_RATES as SANDBOX_RATES } from '../../src/sandbox/context.js';
import { NUMBER_RATES, numberKindOf } from '../../src/twilio/sender-kinds.js';

describe('one sender-kind table for the product and the sandbox', () => {
  it('reads the kind from the number', () => {
    expect(['+15550001234', '+18885550100', '+18335550100', '12345', '123456', '+447700900123'].map(numberKindOf)).toEqual(['longcode', 'tollfree', 'tollfree', 'shortcode', 'shortcode', 'longcode']);
  });
  it('paces numbers in the sandbox at the rates the product plans with', () => {
    expect(SANDBOX_RATES).toEqual(NUMBER_RATES);
    expect(PRODUCT_RATES).toMatchObject(NUMBER_RATES);
    expect(senderRate({ senderType: 'auto' }, { from: '+18005550100' })).toBe(NUMBER_RATES.tollfree);
    expect(senderRate({ senderType: 'auto' }, { messagingServiceSid: 'MG1' })).toBe(10);
  });
  it('counts an empty body as one segment, as Twilio bills it', () => {
    expect(analyzeSegments('').segments).toBe(1);
  });
});
