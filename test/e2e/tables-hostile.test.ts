/** Human tables show outside text terminal-safe: `messages list` with a hostile body (#16 item 3). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { isolatedEnv, telephony } from '../helpers/cli.js';

let sb: Sandbox;
const { env, cwd } = isolatedEnv();
beforeAll(async () => {
  sb = await startSandbox({ port: 0, deliveryDelayMs: 10 });
  Object.assign(env, { OPENCLAW_TELEPHONY_SANDBOX_URL: sb.baseUrl, TWILIO_PHONE_NUMBER: sb.describe().numbers[0].phoneNumber });
});
afterAll(() => sb.close());

describe('messages list with a hostile body', () => {
  it('shows ESC, BEL, C1 and U+202E as escapes on one row; --json keeps the exact text', async () => {
    const body = 'pay\u001b]0;pwned\u0007\u009b2J\u202eevil\nsecond line';
    const handset = encodeURIComponent('+15550004444');
    const res = await fetch(`${sb.baseUrl}/sandbox/v1/handsets/${handset}/messages`, { method: 'POST', body: new URLSearchParams({ To: sb.describe().numbers[0].phoneNumber, Body: body }) });
    expect(res.status).toBeLessThan(300);
    const list = await telephony(['messages', 'list', '--sandbox'], { env, cwd });
    expect(list.code).toBe(0);
    expect(list.stdout).not.toMatch(/[\u001b\u0007\u009b\u202e]/);
    expect(list.stdout).toContain('pay\\x1b]0;pwned\\x07\\x9b2J\\u202eevil\\nsecond line');
    expect(list.stdout.split('\n').filter((l) => l.includes('second line'))).toHaveLength(1);
    const json = await telephony(['messages', 'list', '--sandbox', '--json'], { env, cwd });
    expect(json.stdout).not.toMatch(/[\u001b\u0007\u009b\u202e]/);
    expect(JSON.parse(json.stdout).messages.map((m: { body: string }) => m.body)).toContain(body);
  });
});
