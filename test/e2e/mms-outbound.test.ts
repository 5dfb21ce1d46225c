/**
 * Outbound MMS from local files, end to end: `send --media ./x.jpg --sandbox` while `serve --sandbox`
 * runs on the same store, the sandbox fetching the file through serve's expiring URL as Twilio would;
 * an expired token is 404; an oversize file is refused before anything is sent; a URL the sandbox
 * cannot fetch fails the message with Twilio's code and its hint; an agent reply with an attachment
 * reaches the handset.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { openStore } from '../../src/store/open-store.js';
import { isolatedEnv, startCli, telephony } from '../helpers/cli.js';
import { sentMessages } from '../helpers/sent.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const jpeg = (size: number) => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(size - 4)]);
const png = (size: number) => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(size - 8)]);

interface InboxMessage {
  sid: string;
  body: string;
  media: string[];
  fetchedMedia: { url: string; contentType: string; size: number; sha256: string }[];
}

let sb: Sandbox;
const { env, cwd, home } = isolatedEnv({ OPENCLAW_TELEPHONY_INBOUND_POLICY: 'open', OPENCLAW_TELEPHONY_ALLOW_FROM: '*' });
const storeFile = path.join(home, 'store.sqlite');
env.OPENCLAW_TELEPHONY_STORE_URL = storeFile;

const inbox = async (handset: string): Promise<InboxMessage[]> => (await (await fetch(`${sb.baseUrl}/sandbox/v1/handsets/${encodeURIComponent(handset)}/inbox`)).json()).messages;
const send = (args: string[]) => telephony(['send', '--sandbox', ...args], { env, cwd });

beforeAll(async () => {
  sb = await startSandbox({ port: 0, deliveryDelayMs: 10, rates: { longcode: 1000 } });
  env.OPENCLAW_TELEPHONY_SANDBOX_URL = sb.baseUrl;
});
afterAll(() => sb.close());

describe('send --media ./file with serve running', () => {
  let server: Awaited<ReturnType<typeof startCli>>;
  let serveUrl: string;
  beforeAll(async () => {
    server = await startCli(['serve', '--sandbox', '--port', '0', '--json'], { env, cwd });
    serveUrl = JSON.parse(server.firstLine).publicUrl;
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  it("the sandbox fetches the exact bytes through serve's expiring URL; once expired the URL is 404", async () => {
    const photo = jpeg(40_000);
    writeFileSync(path.join(cwd, 'photo.jpg'), photo);
    const res = await send(['+15550009101', 'the photo', '--media', './photo.jpg', '--json']);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout).sid).toMatch(/^MM/);
    await expect.poll(() => inbox('+15550009101')).toHaveLength(1);
    const [got] = await inbox('+15550009101');
    expect(got.body).toBe('the photo');
    expect(got.fetchedMedia).toEqual([{ url: got.media[0], contentType: 'image/jpeg', size: photo.length, sha256: sha256(photo) }]);
    expect(got.media[0]).toMatch(new RegExp(`^${serveUrl}/telephony/media/[A-Za-z0-9_-]{43}$`));
    // `sandbox inbox` shows what the handset got: type and size.
    const shown = await telephony(['sandbox', 'inbox', '+15550009101'], { env, cwd });
    expect(shown.stdout).toMatch(/MEDIA[\s\S]*the photo\s+image\/jpeg 40 KB/);

    // The URL answers as Twilio's HEAD and GET expect, until it expires.
    const head = await fetch(got.media[0], { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('image/jpeg');
    expect(head.headers.get('content-length')).toBe(String(photo.length));
    const store = await openStore(storeFile);
    try {
      await store.db.updateTable('outbound_media').set({ expires_at: Date.now() - 1 }).execute();
    } finally {
      await store.close();
    }
    expect((await fetch(got.media[0])).status).toBe(404);
    // A token never issued, and something that is not a token at all, are 404 as well.
    expect((await fetch(`${serveUrl}/telephony/media/${randomBytes(32).toString('base64url')}`)).status).toBe(404);
    expect((await fetch(`${serveUrl}/telephony/media/..%2F..%2Fstore.sqlite`)).status).toBe(404);
    // The token is the URL's only guard: it reaches no log.
    const token = got.media[0].split('/').pop()!;
    expect(server.stderr() + server.stdout()).not.toContain(token);
  });

  it('sending again under the same key sends nothing more: the file counts by its content, not its URL', async () => {
    writeFileSync(path.join(cwd, 'again.png'), png(5_000));
    const args = ['+15550009102', 'once', '--media', './again.png', '--idempotency-key', 'mms-once', '--json'];
    const first = await send(args);
    expect(first.code).toBe(0);
    const again = await send(args);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ sid: JSON.parse(first.stdout).sid, deduplicated: true });
    expect((await sentMessages(sb)).filter((m) => m.to === '+15550009102')).toHaveLength(1);
    // Another file under that key is another request: refused.
    writeFileSync(path.join(cwd, 'other.png'), png(5_000));
    const other = await send(['+15550009102', 'once', '--media', './other.png', '--idempotency-key', 'mms-once']);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('was already used for a different message');
  });

  it('a text with a local file held for approval is checked when held, and sent with that file when approved from another folder', async () => {
    const card = jpeg(3_000);
    writeFileSync(path.join(cwd, 'card.jpg'), card);
    const held = await telephony(['send', '--sandbox', '+15550009107', 'your card', '--media', './card.jpg', '--json'], { env: { ...env, OPENCLAW_TELEPHONY_OUTBOUND_APPROVAL: 'always' }, cwd });
    expect(held.code).toBe(0);
    const { approvalId } = JSON.parse(held.stdout);
    expect((await sentMessages(sb)).filter((m) => m.to === '+15550009107')).toEqual([]);
    const approved = await telephony(['approvals', 'approve', approvalId, '--json'], { env, cwd: home });
    expect(approved.code).toBe(0);
    await expect.poll(() => inbox('+15550009107')).toHaveLength(1);
    expect((await inbox('+15550009107'))[0].fetchedMedia).toEqual([expect.objectContaining({ contentType: 'image/jpeg', sha256: sha256(card) })]);
  });

  it('refuses an oversize file before sending, naming the limit (exit 2, nothing sent)', async () => {
    writeFileSync(path.join(cwd, 'big.pdf'), Buffer.alloc(600_000, 7));
    writeFileSync(path.join(cwd, 'huge.jpg'), jpeg(5_000_001));
    const pdf = await send(['+15550009103', 'too big', '--media', './big.pdf']);
    expect(pdf.code).toBe(2);
    expect(pdf.stderr).toContain('--media "./big.pdf" is 600 KB; Twilio sends at most 500 KB of application/pdf');
    // A dry run checks the files as a send would.
    const dry = await send(['+15550009103', 'too big', '--media', './big.pdf', '--dry-run']);
    expect(dry.code).toBe(2);
    expect(dry.stderr).toContain('500 KB of application/pdf');
    const image = await send(['+15550009103', 'too big', '--media', './huge.jpg']);
    expect(image.code).toBe(2);
    expect(image.stderr).toContain('at most 5 MB of JPEG, PNG and GIF images');
    const eleven = await send(['+15550009103', 'too many', ...Array.from({ length: 11 }, () => ['--media', './photo.jpg']).flat()]);
    expect(eleven.code).toBe(2);
    expect(eleven.stderr).toContain('11 media items given, Twilio sends at most 10');
    expect((await sentMessages(sb)).filter((m) => m.to === '+15550009103')).toEqual([]);
  });

  it('a URL the sandbox cannot fetch fails the message with 11200, and messages get gives the hint', async () => {
    const res = await send(['+15550009104', 'broken', '--media', `${serveUrl}/telephony/media/${randomBytes(32).toString('base64url')}`, '--json']);
    expect(res.code).toBe(0);
    const sid = JSON.parse(res.stdout).sid as string;
    await expect.poll(async () => JSON.parse((await telephony(['messages', 'get', sid, '--sandbox', '--json'], { env, cwd })).stdout).status, { timeout: 20_000 }).toBe('failed');
    const got = JSON.parse((await telephony(['messages', 'get', sid, '--sandbox', '--json'], { env, cwd })).stdout);
    expect(got.error_code).toBe(11200);
    expect(got.error_hint).toContain('For MMS media: the MediaUrl must answer a plain GET');
    expect(await inbox('+15550009104')).toEqual([]);
  });
});

describe('send --media ./file without a running serve', () => {
  it('refuses, naming the fix, and sends nothing', async () => {
    writeFileSync(path.join(cwd, 'alone.gif'), Buffer.concat([Buffer.from('GIF89a'), randomBytes(100)]));
    const res = await send(['+15550009105', 'no serve', '--media', './alone.gif']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('no public URL is known to serve it to Twilio from');
    expect(res.stderr).toMatch(/Start `.*serve`/);
    expect((await sentMessages(sb)).filter((m) => m.to === '+15550009105')).toEqual([]);
  });

  it('a rerun of a message already sent answers from the store, serve or not', async () => {
    const again = await send(['+15550009102', 'once', '--media', './again.png', '--idempotency-key', 'mms-once', '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ deduplicated: true });
    expect((await sentMessages(sb)).filter((m) => m.to === '+15550009102')).toHaveLength(1);
  });
});

describe('an agent reply with an attachment', () => {
  it('reaches the handset with the file; a file outside agent.mediaRoots is dropped and said, the text still goes', async () => {
    const outbox = path.join(home, 'outbox');
    mkdirSync(outbox);
    const chart = png(20_000);
    writeFileSync(path.join(outbox, 'chart.png'), chart);
    writeFileSync(path.join(home, 'secret.jpg'), jpeg(1_000));
    const agent = path.join(home, 'agent.cjs');
    const reply = { reply: 'Here is the chart', media: [path.join(outbox, 'chart.png'), path.join(home, 'secret.jpg'), 42] };
    // A text containing "slow" is answered after agent.replyTimeoutMs: that reply goes through the REST API.
    writeFileSync(
      agent,
      `let t = ''; process.stdin.on('data', (d) => (t += d)); process.stdin.on('end', () => setTimeout(() => process.stdout.write(${JSON.stringify(JSON.stringify(reply))}), JSON.parse(t).text.includes('slow') ? 1500 : 0));`,
    );
    const agentEnv = {
      ...env,
      OPENCLAW_TELEPHONY_AGENT_KIND: 'command',
      OPENCLAW_TELEPHONY_AGENT_COMMAND: `"${process.execPath}" "${agent}"`,
      OPENCLAW_TELEPHONY_AGENT_MEDIA_ROOTS: JSON.stringify([outbox]),
      OPENCLAW_TELEPHONY_AGENT_REPLY_TIMEOUT_MS: '500',
    };
    const server = await startCli(['serve', '--sandbox', '--port', '0', '--json'], { env: agentEnv, cwd });
    try {
      const number = JSON.parse(server.firstLine).sandbox.number as string;
      expect((await telephony(['sandbox', 'text', '--from', '+15550009106', '--to', number, 'chart please'], { env, cwd })).code).toBe(0);
      await expect.poll(() => inbox('+15550009106'), { timeout: 20_000 }).toHaveLength(1);
      const [got] = await inbox('+15550009106');
      expect(got.body).toBe('Here is the chart');
      expect(got.fetchedMedia).toEqual([expect.objectContaining({ contentType: 'image/png', size: chart.length, sha256: sha256(chart) })]);
      await expect.poll(() => server.stderr()).toContain('outside agent.mediaRoots');
      await expect.poll(() => server.stderr()).toContain('item(s) that are not a file or URL');
      // The file's token URL is a secret: the quick reply did not go as TwiML, which the store keeps for a day.
      const store = await openStore(storeFile);
      try {
        const answers = await store.db.selectFrom('processed_webhooks').select('response_body').execute();
        expect(answers.length).toBeGreaterThan(0);
        for (const a of answers) expect(String(a.response_body ?? '')).not.toContain('/telephony/media/');
      } finally {
        await store.close();
      }
      // The late reply, sent through the REST API, carries the file too.
      expect((await telephony(['sandbox', 'text', '--from', '+15550009108', '--to', number, 'slow chart please'], { env, cwd })).code).toBe(0);
      await expect.poll(() => inbox('+15550009108'), { timeout: 20_000 }).toHaveLength(1);
      const [late] = await inbox('+15550009108');
      expect(late.body).toBe('Here is the chart');
      expect(late.fetchedMedia).toEqual([expect.objectContaining({ contentType: 'image/png', sha256: sha256(chart) })]);
      expect(server.stderr()).toMatch(/agent\.slow/);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});
