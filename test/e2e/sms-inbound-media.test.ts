/**
 * Inbound MMS end to end: `sandbox text --media <file>` from a handset, serve (spawned) fetching the
 * media from the sandbox's Twilio-shaped media URL, and a command agent printing what it got. An
 * admitted sender's files arrive with their bytes and types, owner-only, and are gone after the turn;
 * a stranger's media is never fetched; an item past inboundMedia.maxBytes and one on another host
 * reach the agent as notices; the account's credentials appear in no output.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { isolatedEnv, REPO, startCli, telephony } from '../helpers/cli.js';

const ADMITTED = '+15550006161';
const STRANGER = '+15550006262';
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

interface AgentSaw {
  text: string;
  media: { index: number; contentType: string; size: number; sha256: string; fileMode: number; dirMode: number; path: string }[];
  unavailable: { index: number; reason: string; notice: string }[];
}

describe('serve: inbound MMS media as local files for the agent', () => {
  let sb: Sandbox;
  let server: Awaited<ReturnType<typeof startCli>>;
  let local: string;
  const { env, cwd, home } = isolatedEnv();
  const photo = Buffer.alloc(40_000, 0x5a);
  const card = Buffer.from('BEGIN:VCARD\r\nFN:Ada\r\nEND:VCARD\r\n');
  const huge = Buffer.alloc(150_000, 0x11);

  const control = async (p: string) => (await fetch(`${sb.baseUrl}/sandbox/v1${p}`)).json();
  /** The handset texts with these files; resolves with what the agent said it got. */
  async function mmsFrom(from: string, body: string, media: string[]): Promise<AgentSaw> {
    const sent = await telephony(['sandbox', 'text', '--from', from, ...media.flatMap((m) => ['--media', m]), body], { env, cwd });
    expect(sent.code, sent.stderr).toBe(0);
    let reply: string | undefined;
    await expect
      .poll(async () => {
        const { messages } = await control(`/handsets/${encodeURIComponent(from)}/inbox`);
        reply = messages.map((m: { body: string }) => m.body).find((b: string) => b.includes(`"text":"${body}"`));
        return reply;
      }, { timeout: 15_000 })
      .toBeTruthy();
    return JSON.parse(reply!);
  }

  beforeAll(async () => {
    sb = await startSandbox({ port: 0, deliveryDelayMs: 10, rates: { longcode: 100 } });
    for (const [name, bytes] of [['photo.jpg', photo], ['card.vcf', card], ['huge.png', huge]] as const) writeFileSync(path.join(home, name), bytes);
    Object.assign(env, {
      OPENCLAW_TELEPHONY_SANDBOX_URL: sb.baseUrl,
      OPENCLAW_TELEPHONY_INBOUND_POLICY: 'allowlist',
      OPENCLAW_TELEPHONY_ALLOW_FROM: ADMITTED,
      OPENCLAW_TELEPHONY_AGENT_KIND: 'command',
      OPENCLAW_TELEPHONY_AGENT_COMMAND: `"${process.execPath}" "${path.join(REPO, 'test/fixtures/agent-media.mjs')}"`,
      // The agent's JSON answer goes back as it is: no Markdown conversion, one long message.
      OPENCLAW_TELEPHONY_SMS_PLAIN_TEXT: 'false',
      OPENCLAW_TELEPHONY_AGENT_REPLY_TIMEOUT_MS: '10000',
      OPENCLAW_TELEPHONY_INBOUND_MEDIA_MAX_BYTES: '100000',
    });
    server = await startCli(['serve', '--sandbox', '--port', '0', '--json'], { env, cwd });
    local = JSON.parse(server.firstLine).url;
  });
  afterAll(async () => {
    await server?.stop();
    await sb?.close();
  });

  it("hands an admitted sender's media to the agent as owner-only files with their bytes and types, removed after the turn", async () => {
    const saw = await mmsFrom(ADMITTED, 'look at these', [path.join(home, 'photo.jpg'), path.join(home, 'card.vcf')]);
    expect(saw.unavailable).toEqual([]);
    expect(saw.media.map((m) => [m.index, m.contentType, m.size, m.sha256, path.basename(m.path)])).toEqual([
      [0, 'image/jpeg', photo.length, sha256(photo), '1.jpg'],
      [1, 'text/vcard', card.length, sha256(card), '2.vcf'],
    ]);
    expect(path.dirname(path.dirname(saw.media[0].path))).toBe(path.join(env.XDG_DATA_HOME!, 'openclaw', 'inbound-media'));
    if (process.platform !== 'win32') expect(saw.media.map((m) => [m.fileMode, m.dirMode])).toEqual([[0o600, 0o700], [0o600, 0o700]]);
    await expect.poll(() => existsSync(path.dirname(saw.media[0].path))).toBe(false);
    const metrics = await (await fetch(`${local}/metrics`)).text();
    expect(metrics).toMatch(/inbound_media_total\{outcome="fetched"\} 2/);
  });

  it("never fetches a stranger's media", async () => {
    const sent = await telephony(['sandbox', 'text', '--from', STRANGER, '--media', path.join(home, 'photo.jpg'), 'who am i'], { env, cwd, });
    expect(sent.code).toBe(0);
    await expect.poll(() => server.stderr()).toMatch(new RegExp(`"event":"sms.ignored".*"from":"\\${STRANGER}"`));
    const { messages } = await control(`/handsets/${encodeURIComponent(STRANGER)}/inbox`);
    expect(messages).toEqual([]);
    const { media } = await control('/media');
    const strangers = media.filter((m: { size: number }) => m.size === photo.length).slice(-1)[0];
    expect(strangers).toMatchObject({ fetches: 0 });
    // The admitted sender's photo was fetched once.
    expect(media.filter((m: { fetches: number }) => m.fetches === 1)).toHaveLength(2);
  });

  it('tells the agent, and keeps no file, when an item is past inboundMedia.maxBytes or on a host that is not Twilio', async () => {
    const seen: string[] = [];
    const elsewhere = createServer((req, res) => (seen.push(req.url ?? ''), res.end('x')));
    await new Promise<void>((r) => elsewhere.listen(0, '127.0.0.1', r));
    try {
      const foreign = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/cat.jpg`;
      const saw = await mmsFrom(ADMITTED, 'big one', [path.join(home, 'huge.png'), foreign, path.join(home, 'card.vcf')]);
      expect(saw.media.map((m) => [m.index, m.contentType])).toEqual([[2, 'text/vcard']]);
      // In the order given on the command line.
      expect(saw.unavailable).toEqual([
        { index: 0, reason: 'too-large', notice: "Attachment 1 (image/png) is too large: one message's media may have 100000 bytes in all." },
        { index: 1, reason: 'not-twilio', notice: expect.stringMatching(/^Attachment 2 \(image\/jpeg\) was not fetched: 127\.0\.0\.1:\d+ is not the configured API/) },
      ]);
      expect(seen).toEqual([]);
    } finally {
      elsewhere.closeAllConnections();
      await new Promise((r) => elsewhere.close(r));
    }
    await expect.poll(() => server.stderr()).toMatch(/"event":"sms.media".*"unavailable":\["too-large","not-twilio"\]/);
  });

  it("never shows the account's credentials in its output", () => {
    const { accountSid, authToken } = sb.describe();
    const basic = Buffer.from(`${accountSid}:${authToken}`).toString('base64');
    for (const out of [server.stdout(), server.stderr()]) {
      expect(out).not.toContain(authToken);
      expect(out).not.toContain(basic);
    }
  });
});
