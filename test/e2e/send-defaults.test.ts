/** `send` for a newcomer: --sandbox needs no sender, and media URLs are checked before anything is sent. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { isolatedEnv, telephony } from '../helpers/cli.js';
import { sentMessages } from '../helpers/sent.js';

let sb: Sandbox;
// No TWILIO_PHONE_NUMBER and no fromNumber: the sandbox's own number is the sender.
const { env, cwd } = isolatedEnv();

beforeAll(async () => {
  sb = await startSandbox({ port: 0, deliveryDelayMs: 10, rates: { longcode: 1000 } });
  env.OPENCLAW_TELEPHONY_SANDBOX_URL = sb.baseUrl;
});
afterAll(() => sb.close());

const send = (args: string[]) => telephony(['send', '--sandbox', ...args], { env, cwd });

describe('send --sandbox with no sender configured', () => {
  it("sends from the sandbox's first number and says so on stderr; --json output is unchanged", async () => {
    const number = sb.describe().numbers[0].phoneNumber;
    const json = await send(['+15550006001', 'no sender needed', '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ from: number, to: '+15550006001', status: 'queued' });
    expect(json.stderr).toContain(`sending from the sandbox's number ${number}`);
    const human = await send(['+15550006002', 'no sender needed either']);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^SM\w+ queued -> \+15550006002/);
    expect(human.stderr).toContain('No sender configured');
    const sent = (await sentMessages(sb)).filter((m) => m.body.startsWith('no sender needed'));
    expect(sent.map((m) => m.from)).toEqual([number, number]);
  });

  it('a batch with --sandbox uses the same sender', async () => {
    const file = path.join(cwd, 'two.csv');
    writeFileSync(file, 'to,body\n+15550006003,batch one\n+15550006004,batch two\n');
    const res = await telephony(['send', '--sandbox', '--batch', file, '--json'], { env, cwd });
    expect(res.code).toBe(0);
    expect(res.stderr).toContain('No sender configured');
    expect((await sentMessages(sb)).filter((m) => m.body.startsWith('batch ')).length).toBe(2);
  });
});

describe('the sandbox sender note and the opt-out reasons', () => {
  it('names the sandbox sender only when something is sent: not before an error that sends nothing', async () => {
    const empty = await send(['+15550006020', '']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('The message is empty');
    expect(empty.stderr).not.toContain('No sender configured');
    const badMedia = await send(['+15550006021', 'look', '--media', './no-such-file.jpg']);
    expect(badMedia.code).toBe(2);
    expect(badMedia.stderr).not.toContain('No sender configured');
    const file = path.join(cwd, 'all-bad.csv');
    writeFileSync(file, 'to,body\nnot-a-number,x\n');
    const batch = await telephony(['send', '--sandbox', '--batch', file], { env, cwd });
    expect(batch.code).toBe(7);
    expect(batch.stderr).not.toContain('No sender configured');
  });

  it('says how a number came on the opt-out list: an operator, not a STOP reply', async () => {
    expect((await telephony(['optouts', 'add', '+15550006030'], { env, cwd })).code).toBe(0);
    const res = await send(['+15550006030', 'hello', '--json']);
    const { error } = JSON.parse(res.stdout);
    expect(error.code).toBe('opted_out');
    expect(error.message).toContain('+15550006030 is on the opt-out list (added by an operator');
    expect(error.message).not.toContain('replied STOP');
    expect(error.hint).toContain('optouts remove +15550006030');
  });
});

describe('send --media', () => {
  it('refuses media that is neither an http(s) URL nor a readable local file before sending (exit 2)', async () => {
    const url = await send(['+15550006010', 'look', '--media', 'ftp://example.com/cat.jpg']);
    expect(url.code).toBe(2);
    expect(url.stderr).toContain('--media "ftp://example.com/cat.jpg" is neither an http(s) URL nor a local file');
    expect(url.stderr).toContain('https://example.com/cat.jpg');
    // Anything else is a local file: one that is not there is named, with where it was looked for.
    const missing = await send(['+15550006010', 'look', '--media', 'cat.jpg']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('Cannot read --media cat.jpg: there is no such file');
    expect(missing.stderr).toContain(cwd);
    const noType = await send(['+15550006010', 'look', '--media', 'notaurl']);
    expect(noType.code).toBe(2);
    expect(noType.stderr).toContain('is not a type Twilio accepts for MMS');
    expect((await sentMessages(sb)).filter((m) => m.to === '+15550006010')).toEqual([]);
  });

  it('a batch row with a bad media URL fails alone', async () => {
    const file = path.join(cwd, 'media.csv');
    writeFileSync(file, 'to,body,media\n+15550006011,good row,https://example.com/a.jpg\n+15550006012,bad row,ftp://example.com/a.jpg\n');
    const res = await telephony(['send', '--sandbox', '--batch', file, '--json'], { env, cwd });
    expect(res.code).toBe(7);
    const rows = res.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.find((r) => r.row === 2)).toMatchObject({ ok: false, error: { code: 'invalid_media_url' } });
    expect((await sentMessages(sb)).filter((m) => m.to === '+15550006012')).toEqual([]);
  });
});
