/** A row met held again once a batch's new rows are done is polled briskly: the batch is waiting for it alone. */
import { describe, expect, it } from 'vitest';
import { END_POLL_MS, lookAgainInMs } from '../../src/messaging/batch.js';
import { AnswerLostError, KeyInFlightError } from '../../src/errors.js';

describe('when a put-off row is looked at again', () => {
  it('a row met held for the first time waits what its holder\'s lease suggests; met again at the end, at most END_POLL_MS', () => {
    const held = new KeyInFlightError('k', 'other-run', 500);
    expect(lookAgainInMs(held, false)).toBe(500);
    expect(lookAgainInMs(held, true)).toBe(END_POLL_MS);
    expect(lookAgainInMs(new KeyInFlightError('k', 'other-run', 60), true)).toBe(60);
  });

  it('this run\'s own lost answer keeps its pauses between looks in Twilio\'s list', () => {
    expect(lookAgainInMs(new AnswerLostError('k', 2000), true)).toBe(2000);
  });
});
