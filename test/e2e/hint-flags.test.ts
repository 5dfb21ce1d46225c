/**
 * A printed fix keeps the flags the user typed that decide what it talks to (--sandbox, --config,
 * --profile), and the values it needs (the number): run as printed, it does what it says, instead of
 * failing against the real account or another file.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { isolatedEnv, telephony } from '../helpers/cli.js';

let sb: Sandbox;
const { env, cwd } = isolatedEnv();
beforeAll(async () => {
  sb = await startSandbox({ port: 0, rates: { longcode: 1000 } });
  Object.assign(env, { OPENCLAW_TELEPHONY_SANDBOX_URL: sb.baseUrl, OPENCLAW_TELEPHONY_STORE_URL: path.join(cwd, 'store.sqlite') });
});
afterAll(() => sb.close());

const fixOf = async (args: string[]) => {
  const res = await telephony([...args, '--json'], { env, cwd });
  return { code: res.code, error: JSON.parse(res.stdout).error as { code: string; hint: string; twilioCode?: number } };
};
/** The command a hint quotes between backticks. */
const quoted = (hint: string) => /`([^`]+)`/.exec(hint)?.[1] ?? '';

describe('hints carry the flags that matter', () => {
  it('numbers buy --sandbox without --yes suggests the same buy with --yes and --sandbox, which then works', async () => {
    const search = JSON.parse((await telephony(['numbers', 'search', '--sandbox', '--limit', '1', '--json'], { env, cwd })).stdout);
    const number = search.numbers[0].phone_number as string;
    const { code, error } = await fixOf(['numbers', 'buy', number, '--sandbox']);
    expect(code).toBe(2);
    const suggested = quoted(error.hint);
    expect(suggested).toMatch(new RegExp(`numbers buy \\${number} --yes --sandbox$`));
    const bought = await telephony([...suggested.split(' ').slice(suggested.startsWith('npx ') ? 2 : 1), '--json'], { env, cwd });
    expect(bought.code, bought.stdout).toBe(0);

    // Buying it again: Twilio's 21422, with a fix (it is already yours) that keeps --sandbox.
    const again = await fixOf(['numbers', 'buy', number, '--sandbox', '--yes']);
    expect(again.error.twilioCode).toBe(21422);
    expect(again.error.hint).toContain('already one of this account');
    expect(quoted(again.error.hint)).toMatch(/numbers list --sandbox$/);
  });

  it('the 21606 hint (a From number not in the account) lists the numbers with --sandbox', async () => {
    const { error } = await fixOf(['send', '--sandbox', '--from', '+15559990000', '+15550001111', 'hello']);
    expect(error.twilioCode).toBe(21606);
    expect(quoted(error.hint)).toMatch(/numbers list --sandbox$/);
  });

  it('a broken --config file suggests config validate on that file', async () => {
    const bad = path.join(cwd, 'bad config.json5');
    writeFileSync(bad, '{ channels: { telephony: { sms: { chunkMode: "sideways", maxLength: 5000 } } } }');
    const { code, error } = await fixOf(['--config', bad, 'send', '--sandbox', '+15550001111', 'hello']);
    expect(code).toBe(3);
    expect(quoted(error.hint)).toMatch(new RegExp(`config validate --sandbox --config "${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"$`));
  });

  it('an opted-out recipient: the fix names the number to remove', async () => {
    expect((await telephony(['optouts', 'add', '+15550002222'], { env, cwd })).code).toBe(0);
    const { error } = await fixOf(['send', '--sandbox', '+15550002222', 'hello']);
    expect(error.code).toBe('opted_out');
    expect(quoted(error.hint)).toMatch(/optouts remove \+15550002222 --sandbox$/);
  });
});
