/**
 * `send`'s human line for a sent message carries outside text: the SID, status and number from
 * Twilio's answer (or a sandbox, a proxy), and the id of the other run from the store. Escape codes in
 * any of them reach the operator's terminal only as visible text.
 */
import { describe, expect, it } from 'vitest';
import { describeResult } from '../../src/cli/commands/send.js';
import type { SendResult } from '../../src/messaging/deliver.js';

const result = (over: Partial<SendResult>): SendResult => ({ sid: 'SM' + '0'.repeat(32), status: 'queued', to: '+15550001111', segments: 1, encoding: 'GSM-7', deduplicated: false, ...over }) as SendResult;

describe('describeResult', () => {
  it('shows a plain result as it is', () => {
    expect(describeResult(result({}))).toBe(`SM${'0'.repeat(32)} queued -> +15550001111 (1 segment, GSM-7)`);
  });
  it('never passes an escape sequence from the answer or the store to the terminal', () => {
    const line = describeResult(result({ status: 'queued\u001b]0;owned\u0007', sentByOtherRun: 'host\u001b[2J:1:ab', deduplicated: true }));
    expect(line).not.toMatch(/[\u001b\u0007]/);
    expect(line).toContain('sent by another run');
  });
});
