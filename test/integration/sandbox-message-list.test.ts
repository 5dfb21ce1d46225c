/**
 * The sandbox's Messages list follows Twilio's spec (twilio_api_v2010.json): a DateSent filter is on
 * the sent date, which a queued message does not have yet; the newest message comes first; and the
 * `listlag` fault keeps a new message out of lists for a while, as Twilio's list lags behind.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseFaults } from '../../src/sandbox/faults.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/server.js';
import { createMessage, listMessages } from '../../src/twilio/messages-api.js';
import { createRestClient } from '../../src/twilio/rest-client.js';

let sb: Sandbox | undefined;
afterEach(async () => {
  await sb?.close();
  sb = undefined;
});

const clientOf = (s: Sandbox) => {
  const d = s.describe();
  return createRestClient({ accountSid: d.accountSid, username: d.accountSid, password: d.authToken, baseUrl: s.baseUrl });
};
const today = () => new Date().toISOString().slice(0, 10);

describe('sandbox Messages list', () => {
  it('a DateSent filter leaves out a message not sent yet; without it the queued message is listed, newest first', async () => {
    // One message a ten seconds: the second waits in the sender's queue, without a sent date.
    sb = await startSandbox({ port: 0, deliveryDelayMs: 10, rates: { longcode: 0.1 } });
    const client = clientOf(sb);
    const from = sb.describe().numbers[0].phoneNumber;
    const first = await createMessage(client, { to: '+15553100001', from, body: 'first', media: [] });
    const second = await createMessage(client, { to: '+15553100001', from, body: 'second', media: [] });
    await vi.waitFor(async () => expect((await listMessages(client, { to: '+15553100001', limit: 10 }))[1]).toMatchObject({ sid: first.sid, status: expect.stringMatching(/sent|delivered/) }));
    const all = await listMessages(client, { to: '+15553100001', limit: 10 });
    expect(all.map((m) => [m.sid, m.date_sent === null])).toEqual([
      [second.sid, true],
      [first.sid, false],
    ]);
    const sentToday = await listMessages(client, { to: '+15553100001', sentAfter: today(), limit: 10 });
    expect(sentToday.map((m) => m.sid)).toEqual([first.sid]);
  });

  it('listlag keeps a new message out of the list, then shows it', async () => {
    expect(parseFaults('listlag:2s').listLagMs).toBe(2000);
    expect(() => parseFaults('listlag:2%')).toThrow(/cannot read "listlag:2%"/);
    sb = await startSandbox({ port: 0, deliveryDelayMs: 10, faults: parseFaults('listlag:2s') });
    const client = clientOf(sb);
    const m = await createMessage(client, { to: '+15553100002', from: sb.describe().numbers[0].phoneNumber, body: 'lagging', media: [] });
    expect(await listMessages(client, { to: '+15553100002', limit: 10 })).toEqual([]);
    await vi.waitFor(async () => expect((await listMessages(client, { to: '+15553100002', limit: 10 })).map((x) => x.sid)).toEqual([m.sid]), { timeout: 10_000, interval: 250 });
  });
});
