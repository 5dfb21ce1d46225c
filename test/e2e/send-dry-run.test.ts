/** `send --batch|--to-file --dry-run` checks and prices every row and sends nothing through any path (#16). */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { isolatedEnv, telephony } from '../helpers/cli.js';
import { sentMessages } from '../helpers/sent.js';

let sb: Sandbox;
const { env, cwd } = isolatedEnv();

beforeAll(async () => {
  sb = await startSandbox({ port: 0, deliveryDelayMs: 10, rates: { longcode: 1000 } });
  Object.assign(env, { OPENCLAW_TELEPHONY_SANDBOX_URL: sb.baseUrl, TWILIO_PHONE_NUMBER: sb.describe().numbers[0].phoneNumber });
});
afterAll(() => sb.close());

const run = (args: string[], extra: NodeJS.ProcessEnv = {}) => telephony(['send', '--sandbox', ...args], { env: { ...env, ...extra }, cwd });
const ndjson = (stdout: string) => stdout.trim().split('\n').map((l) => JSON.parse(l));

describe('send --dry-run of a batch', () => {
  it('checks every row (number, segments, opt-out, re-run) and prices it; zero messages reach the sandbox', async () => {
    expect((await telephony(['optouts', 'add', '+15552000003'], { env, cwd })).code).toBe(0);
    const file = path.join(cwd, 'rows.csv');
    writeFileSync(file, ['to,body', '+15552000001,short hello', `+15552000002,${'Ж'.repeat(71)}`, '+15552000003,to an opted-out number', 'not-a-number,bad row'].join('\n'));
    const before = (await sentMessages(sb)).length;

    const res = await run(['--batch', file, '--dry-run', '--json']);
    expect(res.stderr).toBe('');
    const lines = ndjson(res.stdout);
    expect(lines).toContainEqual({ row: 4, to: 'not-a-number', verdict: 'invalid', reason: expect.stringContaining('not-a-number') });
    expect(lines).toContainEqual(expect.objectContaining({ row: 1, to: '+15552000001', verdict: 'would-send', messages: 1, segments: 1, encoding: 'GSM-7', estimatedPrice: 0.0079 }));
    expect(lines).toContainEqual(expect.objectContaining({ row: 2, verdict: 'would-send', segments: 2, encoding: 'UCS-2' }));
    expect(lines).toContainEqual(expect.objectContaining({ row: 3, verdict: 'opted-out' }));
    expect(lines.at(-1).dryRun).toMatchObject({ rows: 4, wouldSend: 2, optedOut: 1, invalid: 1, sent: 0, messages: 2, segments: 3, estimatedPrice: 0.0237 });
    // The exit code the real run would have: some rows would fail.
    expect(res.code).toBe(7);
    expect((await sentMessages(sb)).length).toBe(before);

    const human = await run(['--batch', file, '--dry-run']);
    expect(human.stdout).toContain('row 1 +15552000001: would send [1 message, 1 segment, GSM-7, $0.0079]');
    expect(human.stderr).toMatch(/Dry run, nothing was sent: 2 of 4 rows would send 2 message\(s\), 3 segment\(s\), estimated \$0\.0237/);
    expect((await sentMessages(sb)).length).toBe(before);
  });

  it('--to-file --dry-run sends nothing, and after the real run every row shows as already sent', async () => {
    const numbers = path.join(cwd, 'numbers.txt');
    writeFileSync(numbers, '+15552100001\n# a comment\n+15552100002\n');
    const before = (await sentMessages(sb)).length;
    const dry = await run(['--to-file', numbers, 'dry to-file text', '--dry-run', '--json']);
    expect(dry.code).toBe(0);
    expect(ndjson(dry.stdout).at(-1).dryRun).toMatchObject({ rows: 2, wouldSend: 2, sent: 0 });
    expect((await sentMessages(sb)).length).toBe(before);

    expect((await run(['--to-file', numbers, 'dry to-file text', '--json'])).code).toBe(0);
    expect((await sentMessages(sb)).length).toBe(before + 2);
    const again = ndjson((await run(['--to-file', numbers, 'dry to-file text', '--dry-run', '--json'])).stdout);
    expect(again.at(-1).dryRun).toMatchObject({ wouldSend: 0, alreadySent: 2 });
    expect((await sentMessages(sb)).length).toBe(before + 2);
  });

  it('shows which rows approvals would hold and how long the sender rate makes the batch take', async () => {
    const file = path.join(cwd, 'approval.ndjson');
    writeFileSync(file, Array.from({ length: 4 }, (_, i) => JSON.stringify({ to: `+1555220000${i}`, body: `approval row ${i}` })).join('\n'));
    const res = await run(['--batch', file, '--dry-run', '--json'], { OPENCLAW_TELEPHONY_OUTBOUND_APPROVAL: 'first-contact' });
    const lines = ndjson(res.stdout);
    expect(lines.filter((l) => l.verdict === 'needs-approval')).toHaveLength(4);
    const timed = ndjson((await run(['--batch', file, '--dry-run', '--rate', '2', '--json'])).stdout).at(-1).dryRun;
    expect(timed).toMatchObject({ wouldSend: 4, messages: 4, estimatedSeconds: 2 });
  });
});

describe('send --sandbox --dry-run of a batch with no sender configured', () => {
  it("plans with the sandbox's number, as the real run sends from it: the dry run predicts the real run", async () => {
    const file = path.join(cwd, 'no-sender.csv');
    writeFileSync(file, ['to,body', '+15552300001,no sender row 1', '+15552300002,no sender row 2'].join('\n'));
    const noSender = { ...env, TWILIO_PHONE_NUMBER: undefined };
    const sandboxNumber = sb.describe().numbers[0].phoneNumber;
    const dry = await telephony(['send', '--sandbox', '--batch', file, '--dry-run', '--json'], { env: noSender, cwd });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stderr).toContain(`would send from the sandbox's number ${sandboxNumber}`);
    expect(ndjson(dry.stdout).at(-1).dryRun).toMatchObject({ rows: 2, wouldSend: 2, noSender: 0 });
    const real = await telephony(['send', '--sandbox', '--batch', file, '--json'], { env: noSender, cwd });
    expect(real.code, real.stderr).toBe(0);
    const sent = (await sentMessages(sb)).filter((m) => m.body.startsWith('no sender row'));
    expect(sent.map((m) => m.from)).toEqual([sandboxNumber, sandboxNumber]);
  });
});

describe('send --dry-run of a batch with hostile cells', () => {
  it('shows a row whose number holds escape codes without handing them to the terminal', async () => {
    const file = path.join(cwd, 'hostile.csv');
    writeFileSync(file, ['to,body', '"+1555\u001b]0;pwned\u0007\u202e",hello'].join('\n'));
    const res = await run(['--batch', file, '--dry-run']);
    expect(res.code).toBe(7);
    expect(res.stdout + res.stderr).not.toMatch(/[\u0007\u001b\u202e]/);
    expect(res.stderr).toContain('row 1: invalid');
  });
});
