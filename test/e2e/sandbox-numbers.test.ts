/**
 * The sandbox's subcommands take numbers as `send` does: a typo is refused with the fix (exit 2), not
 * turned into a handset that never hears anything; and the example script `sandbox handset` suggests
 * exists and answers a call.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolatedEnv, REPO, telephony } from '../helpers/cli.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { endedCall, heard } from '../helpers/voice.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

let ts: TestSandbox;
let app: WebhookReceiver;
const { env, cwd } = isolatedEnv();
beforeAll(async () => {
  ts = await startTestSandbox({ rates: { cps: 20 } });
  app = await startWebhookReceiver();
  env.OPENCLAW_TELEPHONY_SANDBOX_URL = ts.sb.baseUrl;
});
afterAll(async () => {
  await ts.close();
  await app.close();
});

describe('sandbox subcommands refuse a number that is not one', () => {
  it.each([
    [['sandbox', 'inbox', 'nonsense']],
    [['sandbox', 'inbox', '+15550001234 call me']],
    [['sandbox', 'handset', 'nonsense', '--clear']],
    [['sandbox', 'text', '--from', 'nonsense', 'hello']],
    [['sandbox', 'text', '--from', '+15550001234', '--to', '+1555000x', 'hello']],
    [['sandbox', 'call', '--from', 'nonsense']],
  ])('%j exits 2 with the fix', async (args) => {
    const res = await telephony([...args, '--json'], { env, cwd });
    expect(res.code).toBe(2);
    const error = JSON.parse(res.stdout).error;
    expect(error.code).toBe('invalid_number');
    expect(error.message).toMatch(/is not a valid phone number/);
    expect(error.hint).toMatch(/E\.164 .*\+1555000/);
  });

  it('an E.164 number typed with spaces and dashes is the same handset', async () => {
    const res = await telephony(['sandbox', 'inbox', '+1 555-000-1234', '--json'], { env, cwd });
    expect(res.code, res.stderr).toBe(0);
  });
});

describe('sandbox handset without --script', () => {
  it('suggests an example script that exists, and that script answers a call', async () => {
    const res = await telephony(['sandbox', 'handset', '+15550001234'], { env, cwd });
    expect(res.code).toBe(2);
    const suggested = /(examples\/voice\/\S+\.json5)/.exec(res.stderr)?.[1];
    expect(suggested, res.stderr).toBeDefined();
    expect(existsSync(path.join(REPO, suggested!))).toBe(true);

    const bound = await telephony(['sandbox', 'handset', '+15550001234', '--script', path.join(REPO, suggested!)], { env, cwd });
    expect(bound.code, bound.stderr).toBe(0);
    app.answer = (h) =>
      h.path === '/greet'
        ? { body: '<Response><Gather input="speech" action="/heard"><Say>Hello, is this Sam?</Say></Gather></Response>', contentType: 'text/xml' }
        : { body: '<Response><Say>Thanks, goodbye.</Say></Response>', contentType: 'text/xml' };
    const call = await ts.client.calls.create({ to: '+15550001234', from: ts.number, url: `${app.url}/greet` });
    const done = await endedCall(ts, call.sid, 20_000);
    expect(done.script).toMatchObject({ ok: true });
    expect(heard(done)).toEqual(['Hello, is this Sam?', 'Thanks, goodbye.']);
    const answer = app.received.find((h) => h.path === '/heard');
    expect(answer?.params.SpeechResult).toBe('yes, speaking');
  });
});
