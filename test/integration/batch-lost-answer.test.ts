/**
 * A batch row whose answer was lost does not hold up the batch while Twilio's list is watched for its
 * message (review A3): the row is put back, the other rows are sent, and the row is settled with its
 * one message when the list shows it. One worker, so a row that waited in place would delay the rest.
 */
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { resolveConfig } from '../../src/config/resolve.js';
import { runBatch, toRows } from '../../src/messaging/batch.js';
import { type MessagingSession, openMessagingSession } from '../../src/messaging/session.js';
import { parseFaults } from '../../src/sandbox/faults.js';
import { createKeychainStore } from '../../src/secrets/keychain.js';
import { createRestClient } from '../../src/twilio/rest-client.js';
import { type AnswerFaultProxy, startAnswerFaultProxy } from '../helpers/answer-fault-proxy.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { sentMessages } from '../helpers/sent.js';
import { sqliteUrl } from '../helpers/stores.js';

let ts: TestSandbox;
let proxy: AnswerFaultProxy;
let session: MessagingSession;

beforeAll(async () => {
  ts = await startTestSandbox({ faults: parseFaults('listlag:3s') });
  // Row 1's create reaches the sandbox (the message is made), then its connection drops without an answer.
  proxy = await startAnswerFaultProxy(ts.sb.baseUrl, (form) => (form.get('Body') === 'row 1' ? { kind: 'reset' } : { kind: 'pass' }));
  const env = { XDG_CONFIG_HOME: '/nonexistent-config', XDG_DATA_HOME: os.tmpdir(), OPENCLAW_TELEPHONY_STORE_URL: sqliteUrl(), OPENCLAW_TELEPHONY_SANDBOX_URL: ts.sb.baseUrl, TWILIO_PHONE_NUMBER: ts.number };
  const resolution = await resolveConfig({ env, cwd: '/' });
  session = await openMessagingSession({ resolution, keychain: createKeychainStore(), credentials: () => Promise.reject(new Error('the sandbox needs no credentials')) }, { sandbox: true, rate: 20 });
});
afterAll(async () => {
  await session.close();
  await proxy.close();
  await ts.close();
});

describe('a batch row whose answer was lost', () => {
  it('is put back while the list is watched: the other rows go first, and it is settled with its one message', async () => {
    const client = createRestClient({ accountSid: ts.info.accountSid, username: ts.info.accountSid, password: ts.info.authToken, baseUrl: proxy.url });
    const proxied: MessagingSession = { ...session, depsFor: (s) => ({ ...session.depsFor(s), client }) };
    const { rows } = toRows([1, 2, 3, 4].map((n) => ({ to: `+1555000740${n}`, body: `row ${n}` })), 'lost-answer');
    const done: number[] = [];
    const { outcomes } = await runBatch(proxied, rows, { concurrency: 1, onOutcome: (o) => done.push(o.row) });
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(done).toEqual([2, 3, 4, 1]);
    expect(proxy.creates).toBe(4);
    await vi.waitFor(async () => expect((await sentMessages(ts.sb)).map((m) => m.body).sort()).toEqual(['row 1', 'row 2', 'row 3', 'row 4']), { timeout: 10_000, interval: 250 });
  }, 60_000);
});
