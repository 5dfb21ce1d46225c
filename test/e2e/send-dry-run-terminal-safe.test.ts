/**
 * Trial H1: `send --dry-run` printed the body as it was, so a body from a file someone else wrote
 * (`send TO - < note.txt`) could clear the screen, retitle the window or reorder text. The preview
 * goes through the terminal-safe function; --json keeps the exact text as valid JSON.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { isolatedEnv, telephony } from '../helpers/cli.js';
import { sentMessages } from '../helpers/sent.js';

let sb: Sandbox;
const { env, cwd } = isolatedEnv();

beforeAll(async () => {
  sb = await startSandbox({ port: 0 });
  Object.assign(env, { OPENCLAW_TELEPHONY_SANDBOX_URL: sb.baseUrl, TWILIO_PHONE_NUMBER: sb.describe().numbers[0].phoneNumber });
});
afterAll(() => sb.close());

// An OSC title (ended by BEL), a screen clear, a colour, an 8-bit CSI (C1), a bidi override, a second line.
const BODY = 'from file \u001b]0;PWNED\u0007\u001b[2J\u001b[31mred\u009b31m \u202eevil\nsecond line';
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/;

describe('send --dry-run of a hostile body', () => {
  it('shows the body with visible escapes (text mode), sends nothing', async () => {
    const before = (await sentMessages(sb)).length;
    const res = await telephony(['send', '--sandbox', '+15550340001', '-', '--dry-run'], { env, cwd, input: BODY + '\n' });
    expect(res.code).toBe(0);
    expect(res.stdout).not.toMatch(RAW);
    expect(res.stderr).not.toMatch(RAW);
    expect(res.stdout).toContain('from file \\x1b]0;PWNED\\x07\\x1b[2J\\x1b[31mred\\x9b31m \\u202eevil');
    expect(res.stdout).toContain('\n  second line');
    expect((await sentMessages(sb)).length).toBe(before);
  });

  it('an ESC alone that makes a text UCS-2 is named in the warning, as an escape', async () => {
    const res = await telephony(['send', '--sandbox', '+15550340001', `${'a'.repeat(80)}\u001b[31m`, '--dry-run'], { env, cwd });
    expect(res.code).toBe(0);
    expect(res.stderr).not.toMatch(RAW);
    expect(res.stderr).toContain('"\\x1b" (U+001B) forces UCS-2 encoding: 2 segments instead of 1');
  });

  it('--json carries the exact body as valid JSON', async () => {
    const res = await telephony(['send', '--sandbox', '+15550340001', '-', '--dry-run', '--json'], { env, cwd, input: BODY + '\n' });
    expect(res.code).toBe(0);
    expect(res.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
    const data = JSON.parse(res.stdout);
    expect(data.chunks.map((c: { text: string }) => c.text).join('')).toBe(BODY);
  });
});
