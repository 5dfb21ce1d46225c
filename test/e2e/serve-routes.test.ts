/** serve's routes by resource: calls at serve.voicePath, status callbacks for messages and calls, each stored where it belongs. */
import path from 'node:path';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/open-store.js';
import { startSandbox } from '../../src/sandbox/server.js';
import { isolatedEnv, startCli } from '../helpers/cli.js';
import { ACCOUNT, PUBLIC, publicServeEnv, rawPost, sign } from '../helpers/serve.js';

const ALLOWED = '+15550001111';
const STRANGER = '+15550009999';
const CALL_SID = 'CA' + 'c1'.repeat(16);

describe('serve routes texts, calls and status callbacks by resource', () => {
  let server: Awaited<ReturnType<typeof startCli>>;
  let local: string;
  let store: Store;
  const { env, cwd, home } = publicServeEnv({ OPENCLAW_TELEPHONY_INBOUND_POLICY: 'allowlist', OPENCLAW_TELEPHONY_ALLOW_FROM: ALLOWED, OPENCLAW_TELEPHONY_AGENT_KIND: 'echo' });
  const storeFile = path.join(home, 'routes.sqlite');
  beforeAll(async () => {
    env.OPENCLAW_TELEPHONY_STORE_URL = storeFile;
    server = await startCli(['serve', '--port', '0', '--json'], { env, cwd });
    local = JSON.parse(server.firstLine).url;
    store = await openStore(storeFile);
  });
  afterAll(async () => {
    await store.close();
    expect(await server.stop()).toBe(0);
  });

  const post = (route: string, params: Record<string, string>) =>
    rawPost(local, route, new URLSearchParams(params).toString(), { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sign(PUBLIC + route, params) });
  const call = (from: string, sid: string) => ({ AccountSid: ACCOUNT, CallSid: sid, From: from, To: '+15550002222', CallStatus: 'ringing', Direction: 'inbound' });
  const wellFormedTwiml = /^<\?xml version="1\.0" encoding="UTF-8"\?><Response>.*<\/Response>$/;

  it('answers a call at the voice path by the inbound policy, with well-formed TwiML, and records it', async () => {
    const allowed = await post('/telephony/voice', call(ALLOWED, CALL_SID));
    expect(allowed.status).toBe(200);
    expect(allowed.body).toMatch(wellFormedTwiml);
    expect(allowed.body).toMatch(/<Say>[^<]+<\/Say><Hangup\/>/);
    const stranger = await post('/telephony/voice', call(STRANGER, 'CA' + 'c2'.repeat(16)));
    expect(stranger.body).toMatch(wellFormedTwiml);
    expect(stranger.body).toContain('<Reject reason="rejected"/>');
    // A number still pointed at serve.path for calls gets the same answer.
    const legacy = await post('/telephony/webhook', call(ALLOWED, 'CA' + 'c3'.repeat(16)));
    expect(legacy.body).toBe(allowed.body);
    const calls = await store.db.selectFrom('calls').select(['sid', 'from_number', 'status']).orderBy('sid').execute();
    expect(calls.map((c) => c.sid)).toEqual([CALL_SID, 'CA' + 'c2'.repeat(16), 'CA' + 'c3'.repeat(16)]);
  });

  it('stores a message status in messages and a call status in calls', async () => {
    const messageSid = 'SM' + 'd1'.repeat(16);
    // An outbound message as `send` records it, whose delivery Twilio then reports.
    const now = new Date().toISOString();
    await store.db.insertInto('messages').values({ sid: messageSid, account_sid: ACCOUNT, direction: 'outbound-api', from_number: '+15550002222', to_number: ALLOWED, body: 'hi', status: 'sent', num_segments: 1, error_code: null, created_at: now, updated_at: now }).execute();
    expect((await post('/telephony/status', { AccountSid: ACCOUNT, MessageSid: messageSid, MessageStatus: 'delivered' })).status).toBe(200);
    expect((await post('/telephony/status', { AccountSid: ACCOUNT, CallSid: CALL_SID, CallStatus: 'completed', CallDuration: '42', From: ALLOWED, To: '+15550002222', Direction: 'inbound' })).status).toBe(200);
    expect(await store.db.selectFrom('messages').select(['sid', 'status']).where('sid', '=', messageSid).execute()).toEqual([{ sid: messageSid, status: 'delivered' }]);
    expect(await store.db.selectFrom('calls').select(['status', 'duration_seconds']).where('sid', '=', CALL_SID).execute()).toEqual([{ status: 'completed', duration_seconds: 42 }]);
    expect(await store.db.selectFrom('messages').select('sid').where('sid', '=', CALL_SID).execute()).toEqual([]);
  });
});

describe('serve with voice.enabled false', () => {
  it('rejects every call unanswered, and --configure-number leaves the VoiceUrl as it was', async () => {
    const sb = await startSandbox({ port: 0 });
    const a = sb.describe();
    const numberUrl = `${sb.baseUrl}/2010-04-01/Accounts/${a.accountSid}/IncomingPhoneNumbers/${a.numbers[0].sid}.json`;
    const auth = 'Basic ' + Buffer.from(`${a.accountSid}:${a.authToken}`).toString('base64');
    await fetch(numberUrl, { method: 'POST', headers: { authorization: auth }, body: new URLSearchParams({ VoiceUrl: 'https://ivr.example.com/voice' }) });
    const numberNow = async () => (await (await fetch(`${sb.baseUrl}/sandbox/v1/account`)).json()).numbers[0];
    const { env, cwd } = isolatedEnv({
      TWILIO_ACCOUNT_SID: a.accountSid,
      TWILIO_AUTH_TOKEN: a.authToken,
      TWILIO_PHONE_NUMBER: a.numbers[0].phoneNumber,
      OPENCLAW_TELEPHONY_SANDBOX_URL: sb.baseUrl,
      OPENCLAW_TELEPHONY_PUBLIC_URL: PUBLIC,
      OPENCLAW_TELEPHONY_INBOUND_POLICY: 'allowlist',
      OPENCLAW_TELEPHONY_ALLOW_FROM: ALLOWED,
      OPENCLAW_TELEPHONY_AGENT_KIND: 'echo',
      OPENCLAW_TELEPHONY_VOICE_ENABLED: 'false',
    });
    const server = await startCli(['serve', '--port', '0', '--configure-number', '--json'], { env, cwd });
    try {
      expect(await numberNow()).toMatchObject({ smsUrl: `${PUBLIC}/telephony/webhook`, voiceUrl: 'https://ivr.example.com/voice' });
      // Even a caller the policy allows (who hears a notice with voice on) is rejected before an answer.
      const params = { AccountSid: a.accountSid, CallSid: 'CA' + 'e1'.repeat(16), From: ALLOWED, To: a.numbers[0].phoneNumber, CallStatus: 'ringing', Direction: 'inbound' };
      const local = JSON.parse(server.firstLine).url;
      const res = await rawPost(local, '/telephony/voice', new URLSearchParams(params).toString(), {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': twilio.getExpectedTwilioSignature(a.authToken, `${PUBLIC}/telephony/voice`, params),
      });
      expect(res.status).toBe(200);
      expect(res.body).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Reject reason="rejected"/></Response>');
    } finally {
      expect(await server.stop()).toBe(0);
    }
    expect(await numberNow()).toMatchObject({ smsUrl: null, voiceUrl: 'https://ivr.example.com/voice' });
    await sb.close();
  });
});
