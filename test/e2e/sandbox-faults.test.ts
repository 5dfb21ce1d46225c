import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolatedEnv, startCli, telephony } from '../helpers/cli.js';

let sandbox: Awaited<ReturnType<typeof startCli>>;
const { env, cwd } = isolatedEnv();

beforeAll(async () => {
  sandbox = await startCli(['sandbox', '--port', '0', '--json', '--speed', '10', '--fault', 'voice-timeout:100%,seed:3'], { env, cwd });
  const info = JSON.parse(sandbox.firstLine);
  env.OPENCLAW_TELEPHONY_SANDBOX_URL = info.baseUrl;
  // The number's VoiceUrl never answers in time: the fault decides that before anything is awaited.
  const auth = 'Basic ' + Buffer.from(`${info.accountSid}:${info.authToken}`).toString('base64');
  const res = await fetch(`${info.baseUrl}/2010-04-01/Accounts/${info.accountSid}/IncomingPhoneNumbers/${info.numbers[0].sid}.json`, {
    method: 'POST',
    headers: { authorization: auth },
    body: new URLSearchParams({ VoiceUrl: 'http://127.0.0.1:9/voice' }),
  });
  expect(res.status).toBe(200);
});
afterAll(async () => {
  await sandbox.stop();
});

describe('sandbox --fault on a call', () => {
  it('prints the injected fault in the transcript, turn by turn, and in the call timeline (calling the first number without --to)', async () => {
    const res = await telephony(['sandbox', 'call', '--from', '+15550001234'], { env, cwd });
    expect(res.stdout).toMatch(/fault: voice-timeout: the answer to POST http:\/\/127\.0\.0\.1:9\/voice is ignored, as if the app took over 15 s/);
    expect(res.stdout).toMatch(/error 11200: HTTP retrieval failure/);
    expect(res.stdout).toMatch(/app: We are sorry, an application error has occurred/);
    const callSid = /\((CA[0-9a-f]{32})\)/.exec(res.stdout)![1];
    const one = await telephony(['sandbox', 'calls', callSid], { env, cwd });
    expect(one.stdout).toContain('fault: voice-timeout');
  });
});
