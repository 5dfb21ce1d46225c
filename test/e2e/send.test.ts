import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { isolatedEnv, telephony } from '../helpers/cli.js';
import { duplicates, sentMessages } from '../helpers/sent.js';

let sb: Sandbox;
let from: string;
const { env, cwd } = isolatedEnv();

beforeAll(async () => {
  sb = await startSandbox({ port: 0, deliveryDelayMs: 10, rates: { longcode: 1000 } });
  from = sb.describe().numbers[0].phoneNumber;
  Object.assign(env, { OPENCLAW_TELEPHONY_SANDBOX_URL: sb.baseUrl, TWILIO_PHONE_NUMBER: from });
});
afterAll(() => sb.close());

const send = (args: string[], extra: { env?: NodeJS.ProcessEnv; input?: string } = {}) => telephony(['send', '--sandbox', ...args], { env: { ...env, ...extra.env }, cwd, input: extra.input });
const count = async (body: string) => (await sentMessages(sb)).filter((m) => m.body === body).length;

describe('send', () => {
  it('sends one message and prints the result as JSON', async () => {
    const res = await send(['+1 (555) 000-5678', 'Hello from OpenClaw!', '--json']);
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout);
    expect(out).toMatchObject({ sid: expect.stringMatching(/^SM/), to: '+15550005678', from, status: 'queued', segments: 1, encoding: 'GSM-7', deduplicated: false });
    expect(out.idempotencyKey).toMatch(/^send:/);
    expect(await count('Hello from OpenClaw!')).toBe(1);
  });

  it('sends MMS with --media and reads the body from stdin with -', async () => {
    const res = await send(['+15550005679', '-', '--media', 'https://example.com/a.jpg', '--json'], { input: 'picture time\n' });
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout).sid).toMatch(/^MM/);
    expect(await count('picture time')).toBe(1);
  });

  it('is idempotent: the same key answers from the store, without a second message', async () => {
    const first = JSON.parse((await send(['+15550005680', 'only once', '--idempotency-key', 'order-42', '--json'])).stdout);
    const second = JSON.parse((await send(['+15550005680', 'only once', '--idempotency-key', 'order-42', '--json'])).stdout);
    expect(second).toMatchObject({ sid: first.sid, deduplicated: true });
    expect(await count('only once')).toBe(1);
  });

  it('counts segments: 161 GSM-7 characters are 2; 71 Cyrillic are 2 in UCS-2', async () => {
    const gsm = JSON.parse((await send(['+15550005681', 'g'.repeat(161), '--json'])).stdout);
    expect(gsm).toMatchObject({ segments: 2, encoding: 'GSM-7' });
    const cyr = JSON.parse((await send(['+15550005681', 'Ж'.repeat(71), '--json'])).stdout);
    expect(cyr).toMatchObject({ segments: 2, encoding: 'UCS-2' });
  });

  it('splits a body over sms.maxLength into numbered chunks, one key each', async () => {
    const body = 'Sentence number one is here. '.repeat(8).trim();
    const res = await send(['+15550005682', body, '--json', '--idempotency-key', 'long-1'], { env: { OPENCLAW_TELEPHONY_SMS_MAX_LENGTH: '100', OPENCLAW_TELEPHONY_SMS_SEGMENT_NUMBERING: 'true' } });
    expect(res.code).toBe(0);
    const lines = res.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThan(1);
    lines.forEach((l, i) => expect(l).toMatchObject({ chunk: i + 1, chunks: lines.length, idempotencyKey: `long-1#${i + 1}/${lines.length}` }));
    const again = (await send(['+15550005682', body, '--json', '--idempotency-key', 'long-1'], { env: { OPENCLAW_TELEPHONY_SMS_MAX_LENGTH: '100', OPENCLAW_TELEPHONY_SMS_SEGMENT_NUMBERING: 'true' } })).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(again.every((l) => l.deduplicated)).toBe(true);
  });

  it('dry-run sends nothing and prints chunks, segments and price, warning about UCS-2', async () => {
    const before = (await sentMessages(sb)).length;
    const res = await send(['+15550005683', `It’s ${'x'.repeat(70)}`, '--dry-run', '--json']);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ segments: 2, encoding: 'UCS-2', estimatedPrice: 0.0158, chunks: [expect.objectContaining({ segments: 2 })] });
    expect(res.stderr).toContain('U+2019');
    expect((await sentMessages(sb)).length).toBe(before);
  });

  it('dry-run names the recipient and the sender as the real send would normalise them', async () => {
    const res = await send(['+1 (555) 000-5684', 'hello', '--from', '+1 555.000.9999', '--dry-run']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('to +15550005684, from +15550009999');
    const json = JSON.parse((await send(['tel:+15550005684', 'hello', '--dry-run', '--json'])).stdout);
    expect(json).toMatchObject({ to: '+15550005684', from: env.TWILIO_PHONE_NUMBER });
  });

  it.each(['+1 555 000 5678 call me', '+15550005678x', '+15550005678;ext=12'])('refuses %j instead of dropping the rest (exit 2), dry run or not', async (to) => {
    const before = (await sentMessages(sb)).length;
    for (const extra of [['--dry-run'], []]) {
      const res = await send([to, 'hi', '--json', ...extra]);
      expect(res.code).toBe(2);
      expect(JSON.parse(res.stdout).error).toMatchObject({ code: 'invalid_number', hint: expect.stringContaining('number alone') });
    }
    expect((await sentMessages(sb)).length).toBe(before);
  });

  it('refuses an invalid number before any request (exit 2)', async () => {
    const before = (await sentMessages(sb)).length;
    const res = await send(['555-12', 'hi']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('+15550005678');
    const json = await send(['555-12', 'hi', '--json']);
    expect(JSON.parse(json.stdout).error.code).toBe('invalid_number');
    expect((await sentMessages(sb)).length).toBe(before);
  });

  it('refuses opted-out recipients before the API, and records a 21610 answer as an opt-out', async () => {
    expect((await telephony(['optouts', 'add', '+15550005684'], { env, cwd })).code).toBe(0);
    const refused = await send(['+15550005684', 'please no']);
    expect(refused.code).toBe(2);
    expect(await count('please no')).toBe(0);
    const twilioSaysNo = await send(['+15005550004', 'magic number', '--json']);
    expect(twilioSaysNo.code).toBe(5);
    expect(JSON.parse(twilioSaysNo.stdout).error).toMatchObject({ twilioCode: 21610 });
    const list = JSON.parse((await telephony(['optouts', 'list', '--json'], { env, cwd })).stdout);
    expect(list.optouts.map((o: { phone: string }) => o.phone)).toEqual(expect.arrayContaining(['+15550005684', '+15005550004']));
    expect((await telephony(['optouts', 'remove', '+15550005684'], { env, cwd })).code).toBe(0);
    expect((await send(['+15550005684', 'welcome back'])).code).toBe(0);
  });

  it('holds sends for approval and sends exactly once when approved', async () => {
    const approvalEnv = { OPENCLAW_TELEPHONY_OUTBOUND_APPROVAL: 'first-contact' };
    const held = JSON.parse((await send(['+15550005690', 'needs a yes', '--json'], { env: approvalEnv })).stdout);
    expect(held).toMatchObject({ status: 'pending-approval', approvalId: expect.stringMatching(/^ap_/) });
    expect(await count('needs a yes')).toBe(0);
    const list = JSON.parse((await telephony(['approvals', 'list', '--json'], { env: { ...env, ...approvalEnv }, cwd })).stdout);
    expect(list.approvals.map((a: { id: string }) => a.id)).toContain(held.approvalId);
    const approved = await telephony(['approvals', 'approve', held.approvalId, '--sandbox', '--json'], { env: { ...env, ...approvalEnv }, cwd });
    expect(approved.code).toBe(0);
    expect(await count('needs a yes')).toBe(1);
    const again = await telephony(['approvals', 'approve', held.approvalId, '--sandbox', '--json'], { env: { ...env, ...approvalEnv }, cwd });
    expect(JSON.parse(again.stdout).results[0].deduplicated).toBe(true);
    expect(await count('needs a yes')).toBe(1);
    // Now a known contact: no approval needed.
    expect(JSON.parse((await send(['+15550005690', 'second time', '--json'], { env: approvalEnv })).stdout).status).toBe('queued');
    const rejected = JSON.parse((await send(['+15550005691', 'say no', '--json'], { env: approvalEnv })).stdout);
    expect((await telephony(['approvals', 'reject', rejected.approvalId], { env, cwd })).code).toBe(0);
    expect((await telephony(['approvals', 'approve', rejected.approvalId, '--sandbox'], { env, cwd })).code).toBe(2);
    expect(await count('say no')).toBe(0);
  });

  it('messages list and get read from the API', async () => {
    const sent = JSON.parse((await send(['+15550005692', 'find me', '--json'])).stdout);
    const list = JSON.parse((await telephony(['messages', 'list', '--sandbox', '--to', '+15550005692', '--json'], { env, cwd })).stdout);
    expect(list.messages.map((m: { sid: string }) => m.sid)).toEqual([sent.sid]);
    const got = JSON.parse((await telephony(['messages', 'get', sent.sid, '--sandbox', '--json'], { env, cwd })).stdout);
    expect(got).toMatchObject({ sid: sent.sid, body: 'find me' });
    expect((await telephony(['messages', 'get', 'nope', '--sandbox'], { env, cwd })).code).toBe(2);
  });

  it('without a sender (and without --sandbox, which brings one) says how to configure one', async () => {
    const account = { TWILIO_ACCOUNT_SID: sb.describe().accountSid, TWILIO_AUTH_TOKEN: sb.describe().authToken };
    const res = await telephony(['send', '+15550005693', 'hi'], { env: { ...env, ...account, TWILIO_PHONE_NUMBER: '' }, cwd });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--from');
  });
});

describe('send --batch', () => {
  it('sends 300 rows at --rate 100 in about 3 s, each once; a re-run sends nothing new', async () => {
    const file = path.join(cwd, 'three-hundred.csv');
    writeFileSync(file, ['to,body', ...Array.from({ length: 300 }, (_, i) => `+1555100${String(i).padStart(4, '0')},batch row ${i}`)].join('\n'));
    const started = performance.now();
    const res = await send(['--batch', file, '--rate', '100', '--json']);
    const seconds = (performance.now() - started) / 1000;
    expect(res.code).toBe(0);
    const lines = res.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const summary = lines.at(-1).summary;
    expect(summary).toMatchObject({ rows: 300, sent: 300, failed: 0 });
    expect(lines.filter((l) => l.row).length).toBe(300);
    // 300 messages at 100/s cannot take less than ~3 s (a lower bound: load can only slow it).
    expect(seconds).toBeGreaterThanOrEqual(2.9);
    expect(summary.elapsedSeconds).toBeGreaterThanOrEqual(2.9);
    const rerun = JSON.parse((await send(['--batch', file, '--rate', '100', '--json'])).stdout.trim().split('\n').at(-1)).summary;
    expect(rerun).toMatchObject({ sent: 300, deduplicated: 300 });
    const all = (await sentMessages(sb)).filter((m) => m.body.startsWith('batch row '));
    expect(all.length).toBe(300);
    expect(duplicates(all)).toEqual([]);
  });

  it('takes NDJSON on stdin and --to-file, and writes failed rows to a file it names (exit 7)', async () => {
    const ndjson = ['{"to":"+15551200001","body":"nd one"}', '{"to":"+15551200002","body":"nd two","key":"custom-key"}', '{"to":"not-a-number","body":"nd bad"}'].join('\n');
    const res = await send(['--batch', '-', '--json'], { input: ndjson });
    expect(res.code).toBe(7);
    const summary = JSON.parse(res.stdout.trim().split('\n').at(-1)).summary;
    expect(summary).toMatchObject({ rows: 3, sent: 2, failed: 1 });
    expect(summary.failedFile).toMatch(/batch\.failed-.*\.csv$/);
    const numbers = path.join(cwd, 'numbers.txt');
    writeFileSync(numbers, '+15551300001\n# a comment\n+15551300002\n');
    const toFile = await send(['--to-file', numbers, 'same text for all', '--json']);
    expect(toFile.code).toBe(0);
    expect(await count('same text for all')).toBe(2);
  });
});

describe('send over HTTPS, as to api.twilio.com', () => {
  // A TLS front for the sandbox with a throwaway self-signed certificate that the CLI is told to trust.
  let tls: https.Server;
  let httpsUrl: string;
  let certFile: string;
  const seenOverTls: string[] = [];
  beforeAll(async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'oct-tls-'));
    certFile = path.join(dir, 'cert.pem');
    const keyFile = path.join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    tls = https.createServer({ key: readFileSync(keyFile), cert: readFileSync(certFile) }, (req, res) => {
      seenOverTls.push(`${req.method} ${req.url}`);
      const upstream = http.request(sb.baseUrl + req.url, { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
    httpsUrl = `https://127.0.0.1:${(tls.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((r) => tls.close(r)));

  const overTls = (trust: boolean) => {
    const account = sb.describe();
    return { ...env, OPENCLAW_TELEPHONY_SANDBOX_URL: httpsUrl, TWILIO_ACCOUNT_SID: account.accountSid, TWILIO_AUTH_TOKEN: account.authToken, ...(trust ? { NODE_EXTRA_CA_CERTS: certFile } : {}) };
  };

  it('sends through TLS with the account credentials', async () => {
    const res = await telephony(['send', '+15550005690', 'over tls', '--json'], { env: overTls(true), cwd });
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout).sid).toMatch(/^SM/);
    expect(seenOverTls.some((r) => r.startsWith('POST /2010-04-01/Accounts/'))).toBe(true);
    expect(await count('over tls')).toBe(1);
  });

  it('refuses a certificate it cannot trust, with a network error (exit 6) that names the fix', async () => {
    const res = await telephony(['send', '+15550005691', 'untrusted', '--json'], { env: overTls(false), cwd });
    expect(res.code).toBe(6);
    // With --json the error is a JSON document on stdout, for scripts.
    const error = JSON.parse(res.stdout).error;
    expect(error.message).toMatch(/certificate is not trusted \(.*SELF_SIGNED/);
    expect(error.hint).toContain('NODE_EXTRA_CA_CERTS');
    expect(await count('untrusted')).toBe(0);
  });
});
