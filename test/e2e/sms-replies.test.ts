/** What a texter sees of the agent's replies: plain text by default, Markdown when sms.plainText is off. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { isolatedEnv, startCli, telephony } from '../helpers/cli.js';

describe('serve --sandbox: agent replies as texts', () => {
  let sb: Sandbox;
  let number: string;
  const { env, cwd } = isolatedEnv({ OPENCLAW_TELEPHONY_INBOUND_POLICY: 'open', OPENCLAW_TELEPHONY_ALLOW_FROM: '*', OPENCLAW_TELEPHONY_AGENT_KIND: 'echo' });
  const inbox = async (handset: string) => (await (await fetch(`${sb.baseUrl}/sandbox/v1/handsets/${encodeURIComponent(handset)}/inbox`)).json()).messages.map((m: { body: string }) => m.body);

  beforeAll(async () => {
    sb = await startSandbox({ port: 0, deliveryDelayMs: 10, rates: { longcode: 100 } });
    env.OPENCLAW_TELEPHONY_SANDBOX_URL = sb.baseUrl;
    number = sb.describe().numbers[0].phoneNumber;
  });
  afterAll(() => sb.close());

  /** One serve with these extra settings; the handset texts `body` and the reply is awaited. */
  async function replyTo(handset: string, body: string, extra: Record<string, string> = {}): Promise<string> {
    const server = await startCli(['serve', '--sandbox', '--port', '0', '--json'], { env: { ...env, ...extra }, cwd });
    try {
      expect((await telephony(['sandbox', 'text', '--from', handset, '--to', number, body], { env, cwd })).code).toBe(0);
      await expect.poll(() => inbox(handset)).toHaveLength(1);
      return (await inbox(handset))[0];
    } finally {
      expect(await server.stop()).toBe(0);
    }
  }

  const markdown = '**Booked** for _7pm_: see [the menu](https://example.com/menu_2) and `table 4`';

  it('turns the Markdown of a reply into plain text', async () => {
    expect(await replyTo('+15550006001', markdown)).toBe('echo: Booked for 7pm: see the menu (https://example.com/menu_2) and table 4');
  });

  it('sends the Markdown as written when sms.plainText is false', async () => {
    expect(await replyTo('+15550006002', markdown, { OPENCLAW_TELEPHONY_SMS_PLAIN_TEXT: 'false' })).toBe(`echo: ${markdown}`);
  });
});
