/** A bug in a batch row stops the batch as a bug (exit 1); bad input stays a failed row. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InternalError } from '../../src/errors.js';
import { runBatch, toRows } from '../../src/messaging/batch.js';
import type { MessagingSession } from '../../src/messaging/session.js';
import type { RestClient } from '../../src/twilio/rest-client.js';
import { openSandboxSession } from '../helpers/messaging-session.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';

let ts: TestSandbox;
let session: MessagingSession;

beforeAll(async () => {
  ts = await startTestSandbox();
  session = await openSandboxSession(ts);
});
afterAll(async () => {
  await session.close();
  await ts.close();
});

describe('batch errors', () => {
  it('keeps rows that are not objects or whose columns are not text as invalid rows, with what text they had', () => {
    const { rows, invalid } = toRows([null, 5, ['+15550007201'], { to: { toString: 1 }, body: 'x' }, { to: '+15550007202', body: { valueOf: 1 } }, { to: '+15550007203', body: 'fine' }], 'b1');
    expect(rows.map((r) => r.to)).toEqual(['+15550007203']);
    expect(invalid.map((b) => [b.row, b.to, b.body, b.error])).toEqual([
      [1, '', '', expect.stringContaining('not an object')],
      [2, '', '', expect.stringContaining('not an object')],
      [3, '', '', expect.stringContaining('not an object')],
      [4, '', 'x', 'the "to" column is not text'],
      [5, '+15550007202', '', 'the "body" column is not text'],
    ]);
  });

  it('a failure from Twilio is a failed row; the batch goes on', async () => {
    const { rows } = toRows([{ to: '+15550007211', body: 'one' }, { to: '+15550007212', body: 'two', media: 'ftp://not-http/x.png' }, { to: '+15550007213', body: 'three' }], 'b2');
    const { outcomes } = await runBatch(session, rows, { concurrency: 1, onOutcome: () => {} });
    expect(outcomes.map((o) => o.ok)).toEqual([true, false, true]);
  });

  it('a programming error stops the batch as a bug (InternalError, exit 1) instead of failing each row', async () => {
    // A client with no methods: createMessage's call raises a TypeError, as a bug in our code would.
    const broken: MessagingSession = { ...session, depsFor: (s) => ({ ...session.depsFor(s), client: {} as RestClient }) };
    const { rows } = toRows([1, 2, 3, 4].map((n) => ({ to: `+1555000722${n}`, body: `row ${n}` })), 'b3');
    const seen: number[] = [];
    const run = runBatch(broken, rows, { concurrency: 1, onOutcome: (o) => seen.push(o.row) });
    await expect(run).rejects.toBeInstanceOf(InternalError);
    await expect(run).rejects.toMatchObject({ code: 'internal', exitCode: 1, message: expect.stringMatching(/^A bug stopped the batch at row 1: /) });
    expect(seen).toEqual([]);
  });
});
