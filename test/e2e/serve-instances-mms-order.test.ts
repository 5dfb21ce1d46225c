/**
 * One sender's turns keep their arrival order across `serve` instances when the earlier text is an
 * MMS whose picture downloads slowly: the MMS reaches instance 0, a plain text reaches instance 1
 * while the picture is still on its way, and the MMS's turn still runs first. (Its place in line is
 * taken when the webhook arrives, not after the download.)
 */
import path from 'node:path';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, startCli } from '../helpers/cli.js';
import { ACCOUNT, PUBLIC, publicServeEnv, sign, smsParams } from '../helpers/serve.js';
import { freshPgUrl, PG_URL, requirePgInCi } from '../helpers/stores.js';

requirePgInCi();

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
const SENDER = '+15550001111';

describe.skipIf(!PG_URL)('turn order across instances with a slow MMS', () => {
  const turnsLog = path.join(mkdtempSync(path.join(os.tmpdir(), 'oct-mms-order-')), 'turns.log');
  const agent = `"${process.execPath}" "${path.join(REPO, 'test/fixtures/agent-slow.mjs')}" "${turnsLog}"`;
  const servers: Awaited<ReturnType<typeof startCli>>[] = [];
  // The picture is held until the test lets it go: its download is as slow as the test needs.
  const held: ServerResponse[] = [];
  const media = createServer((_req, res) => void held.push(res));
  let db: pg.Client;
  let mediaBase = '';
  beforeAll(async () => {
    writeFileSync(turnsLog, '');
    await new Promise<void>((r) => media.listen(0, '127.0.0.1', () => r()));
    mediaBase = `http://127.0.0.1:${(media.address() as AddressInfo).port}`;
    const { env, cwd } = publicServeEnv({ OPENCLAW_TELEPHONY_AGENT_KIND: 'command', OPENCLAW_TELEPHONY_AGENT_COMMAND: agent, OPENCLAW_TELEPHONY_AGENT_REPLY_TIMEOUT_MS: '14000', OPENCLAW_TELEPHONY_TWILIO_API_BASE_URL: mediaBase });
    env.OPENCLAW_TELEPHONY_STORE_URL = await freshPgUrl();
    db = new pg.Client({ connectionString: env.OPENCLAW_TELEPHONY_STORE_URL });
    await db.connect();
    // One after the other: the first migrates the new database (a migrating start prints that first).
    for (let i = 0; i < 2; i++) servers.push(await startCli(['serve', '--port', '0', '--json'], { env, cwd }));
  }, 60_000);
  afterAll(async () => {
    for (const res of held) res.destroy();
    await Promise.all(servers.map((s) => s.stop()));
    await db?.end();
    media.close();
  });

  const post = async (i: number, over: Record<string, string>) => {
    const params = smsParams({ From: SENDER, ...over });
    const res = await fetch(`${JSON.parse(servers[i].firstLine).url}/telephony/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sign(PUBLIC + '/telephony/webhook', params) },
      body: new URLSearchParams(params),
    });
    return res.text();
  };
  const turns = () => readFileSync(turnsLog, 'utf8').split('\n').filter(Boolean);
  const tickets = async () => Number((await db.query('SELECT count(*) AS n FROM turn_tickets WHERE session_id = $1', [`sms:${SENDER}`])).rows[0].n);

  it("runs the MMS's turn before the later text's, though the text landed elsewhere while the picture downloaded", async () => {
    const sid = 'MM' + '81'.repeat(16);
    const picture = post(0, { MessageSid: sid, Body: 'picture first', NumMedia: '1', MediaUrl0: `${mediaBase}/2010-04-01/Accounts/${ACCOUNT}/Messages/${sid}/Media/ME${'82'.repeat(16)}`, MediaContentType0: 'image/png' });
    // The picture's download has begun: the MMS has arrived and is past its policy checks.
    await expect.poll(() => held.length, { timeout: 20_000 }).toBe(1);
    const text = post(1, { MessageSid: 'SM' + '83'.repeat(16), Body: 'text second' });
    // Either the text has taken its place behind the MMS, or (the old order) its turn already ran.
    await expect.poll(async () => (await tickets()) >= 2 || turns().includes('start text second'), { timeout: 20_000 }).toBe(true);
    held[0].writeHead(200, { 'content-type': 'image/png', 'content-length': PNG.length }).end(PNG);
    const answers = await Promise.all([picture, text]);
    expect(answers[0]).toContain('reply to picture first');
    expect(answers[1]).toContain('reply to text second');
    expect(turns()).toEqual(['start picture first', 'end picture first', 'start text second', 'end text second']);
    await expect.poll(tickets).toBe(0);
  }, 90_000);
});
