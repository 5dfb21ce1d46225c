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

describe('a batch stopped while a row\'s lost answer is looked for', () => {
  it('reports that row\'s outcome unknown (its request was made), not "not started"', async () => {
    const lagging = await startTestSandbox({ faults: parseFaults('listlag:30s') });
    const dropping = await startAnswerFaultProxy(lagging.sb.baseUrl, (form) => (form.get('Body') === 'stopped 1' ? { kind: 'reset' } : { kind: 'pass' }));
    const env = { XDG_CONFIG_HOME: '/nonexistent-config', XDG_DATA_HOME: os.tmpdir(), OPENCLAW_TELEPHONY_STORE_URL: sqliteUrl(), OPENCLAW_TELEPHONY_SANDBOX_URL: lagging.sb.baseUrl, TWILIO_PHONE_NUMBER: lagging.number };
    const own = await openMessagingSession({ resolution: await resolveConfig({ env, cwd: '/' }), keychain: createKeychainStore(), credentials: () => Promise.reject(new Error('the sandbox needs no credentials')) }, { sandbox: true, rate: 20 });
    try {
      const client = createRestClient({ accountSid: lagging.info.accountSid, username: lagging.info.accountSid, password: lagging.info.authToken, baseUrl: dropping.url });
      const proxied: MessagingSession = { ...own, depsFor: (s) => ({ ...own.depsFor(s), client }) };
      const { rows } = toRows([1, 2, 3].map((n) => ({ to: `+1555000741${n}`, body: `stopped ${n}` })), 'lost-answer-stopped');
      const stop = new AbortController();
      const done: number[] = [];
      // Stopped (Ctrl-C) once the other rows are sent, while row 1's message is still missing from the list.
      const { outcomes, stopped } = await runBatch(proxied, rows, { concurrency: 1, signal: stop.signal, onOutcome: (o) => done.push(o.row) === 2 && stop.abort() });
      expect(stopped).toBe(true);
      expect(outcomes).toHaveLength(3);
      expect(outcomes.find((o) => o.row === 1)).toMatchObject({ ok: false, key: rows[0].key, error: { code: 'outcome_unknown', message: expect.stringMatching(/request was made.*not known yet/), hint: expect.stringMatching(/sends it only if it did not go out/) } });
      expect(dropping.creates).toBe(3);
    } finally {
      await own.close();
      await dropping.close();
      await lagging.close();
    }
  }, 60_000);
});
