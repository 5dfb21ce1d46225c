/**
 * One key, one text, however the settings split it (review R3): a rerun under a key whose text went
 * out split another way (another sms.maxLength, say) sends nothing. It answers from the store when the
 * earlier parts all went out, and refuses with idempotency_key_layout_changed while they have not;
 * batch rows too; and of two runs claiming one key with different layouts at the same moment, one
 * layout goes out and the other run sends nothing. Runs on SQLite and on PostgreSQL.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFaults } from '../../src/sandbox/faults.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { isolatedEnv, telephony } from '../helpers/cli.js';
import { sentMessages } from '../helpers/sent.js';
import { requirePgInCi, storeKinds } from '../helpers/stores.js';

requirePgInCi();

// 105 characters: one message by default, three at sms.maxLength 50.
const BODY = 'The quick brown fox jumps over the lazy dog. Pack my box with five dozen liquor jugs. How vexingly quick!';
const SHORT = { OPENCLAW_TELEPHONY_SMS_MAX_LENGTH: '50' };

let sb: Sandbox;
let slow: Sandbox;

beforeAll(async () => {
  sb = await startSandbox({ port: 0, deliveryDelayMs: 10, rates: { longcode: 1000 } });
  // Every answer takes a second, so two runs started together both claim before either settles.
  slow = await startSandbox({ port: 0, deliveryDelayMs: 10, rates: { longcode: 1000 }, faults: parseFaults('latency:1000ms') });
});
afterAll(async () => {
  await sb.close();
  await slow.close();
});

// One result is printed as one (indented) object, several as one line each.
const jsonLines = (stdout: string) => (stdout.startsWith('{\n') ? [JSON.parse(stdout)] : stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)));
const sentTo = async (sandbox: Sandbox, to: string) => (await sentMessages(sandbox)).filter((m) => m.to === to);

for (const kind of storeKinds) {
  describe.skipIf(kind.skip)(`a key's text split another way is not sent again, on ${kind.name}`, () => {
    let env: NodeJS.ProcessEnv;
    let cwd: string;
    const to = (n: number) => `+1555040${kind.name === 'sqlite' ? 1 : 2}${String(n).padStart(3, '0')}`;
    const send = (args: string[], extra: Record<string, string> = {}, sandbox = sb) =>
      telephony(['send', '--sandbox', ...args], { env: { ...env, ...extra, OPENCLAW_TELEPHONY_SANDBOX_URL: sandbox.baseUrl, TWILIO_PHONE_NUMBER: sandbox.describe().numbers[0].phoneNumber }, cwd });
    beforeAll(async () => {
      ({ env, cwd } = isolatedEnv());
      env.OPENCLAW_TELEPHONY_STORE_URL = await kind.url();
    });

    it('sent in one part, rerun where it splits in three: answered from the store, nothing sent, and the output says why', async () => {
      const key = `chunky-1-${kind.name}`;
      const first = await send([to(1), BODY, '--idempotency-key', key, '--json']);
      expect(first.code, first.stderr).toBe(0);
      const original = JSON.parse(first.stdout);
      const again = await send([to(1), BODY, '--idempotency-key', key, '--json'], SHORT);
      expect(again.code, again.stderr).toBe(0);
      expect(JSON.parse(again.stdout)).toMatchObject({ sid: original.sid, idempotencyKey: key, deduplicated: true, layoutChanged: { earlierParts: 1, partsThisRun: 3 } });
      const human = await send([to(1), BODY, '--idempotency-key', key], SHORT);
      expect(human.code, human.stderr).toBe(0);
      expect(human.stdout).toContain(`${original.sid} `);
      expect(human.stdout).toContain('already sent in 1 part (this run would split it in 3): deduplicated, nothing sent again');
      expect((await sentTo(sb, to(1))).map((m) => m.body)).toEqual([BODY]);
    });

    it('sent in three parts, rerun where it is one message: the three earlier parts answer', async () => {
      const key = `chunky-3-${kind.name}`;
      const first = jsonLines((await send([to(2), BODY, '--idempotency-key', key, '--json'], SHORT)).stdout);
      expect(first.map((r) => r.idempotencyKey)).toEqual([1, 2, 3].map((i) => `${key}#${i}/3`));
      const again = await send([to(2), BODY, '--idempotency-key', key, '--json']);
      expect(again.code, again.stderr).toBe(0);
      const answered = jsonLines(again.stdout);
      expect(answered.map((r) => r.sid)).toEqual(first.map((r) => r.sid));
      for (const r of answered) expect(r).toMatchObject({ deduplicated: true, layoutChanged: { earlierParts: 3, partsThisRun: 1 } });
      expect((await sentTo(sb, to(2))).length).toBe(3);
    });

    it('a batch rerun with another sms.maxLength sends none of its rows again, whichever way the layout changed', async () => {
      const batch = async (name: string, rows: string[], settings: Record<string, string>, flags: string[] = []) => {
        const file = path.join(cwd, `${name}-${kind.name}.csv`);
        writeFileSync(file, ['to,body', ...rows].join('\n'));
        return send(['--batch', file, '--yes', '--batch-id', `${name}-${kind.name}`, ...flags], settings);
      };
      // Sent whole, rerun where the long row splits in three.
      const whole = [`${to(3)},${BODY}`, `${to(4)},short row`];
      expect((await batch('layout-a', whole, {})).code).toBe(0);
      // The dry run says what the real run does: nothing to send.
      const dry = await batch('layout-a', whole, SHORT, ['--dry-run', '--json']);
      expect(dry.code, dry.stderr).toBe(0);
      expect(jsonLines(dry.stdout).find((l) => l.row === 1)).toMatchObject({ verdict: 'already-sent', reason: 'in 1 part; this run would split it in 3, so it answers from the store' });
      expect(jsonLines(dry.stdout).at(-1).dryRun).toMatchObject({ wouldSend: 0, alreadySent: 2 });
      const again = await batch('layout-a', whole, SHORT);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toMatch(/0 sent, 2 already sent before/);
      expect((await sentTo(sb, to(3))).map((m) => m.body)).toEqual([BODY]);
      expect((await sentTo(sb, to(4))).length).toBe(1);
      // Sent in three parts, rerun where it is one message.
      const split = [`${to(7)},${BODY}`];
      expect((await batch('layout-b', split, SHORT)).code).toBe(0);
      const rerun = await batch('layout-b', split, {});
      expect(rerun.code, rerun.stderr).toBe(0);
      expect(rerun.stdout).toContain('already sent in 3 parts (this run would split it in 1): deduplicated, nothing sent again');
      expect(rerun.stderr).toMatch(/0 sent, 1 already sent before/);
      expect((await sentTo(sb, to(7))).length).toBe(3);
    });

    it('an earlier layout cut short is refused by name (nothing sent); rerun with the earlier settings, it is finished once', async () => {
      const key = `cut-${kind.name}`;
      // Killed between Twilio's answer to the second part and its settle: part 1 sent, part 2 pending, part 3 never started.
      const crashed = await send([to(5), BODY, '--idempotency-key', key], { ...SHORT, OPENCLAW_TELEPHONY_FAULT_CRASH_AFTER_SENDS: '2' });
      expect(crashed.code).not.toBe(0);
      const refused = await send([to(5), BODY, '--idempotency-key', key, '--json']);
      expect(refused.code, refused.stderr).toBe(2);
      const { error } = JSON.parse(refused.stdout);
      expect(error.code).toBe('idempotency_key_layout_changed');
      expect(error.message).toBe(`Idempotency key "${key}" was split into 3 parts before (1 sent, 1 pending, 1 not started), and this run would send it as one message; nothing was sent.`);
      expect(error.hint).toMatch(/Rerun with the settings in effect then \(its longest part had \d+ characters, so sms\.maxLength was at least \d+\).*or use a new --idempotency-key/);
      const human = await send([to(5), BODY, '--idempotency-key', key]);
      expect(human.code).toBe(2);
      expect(human.stderr).toContain('was split into 3 parts before');
      expect((await sentTo(sb, to(5))).length).toBe(2);
      const finished = await send([to(5), BODY, '--idempotency-key', key, '--json'], SHORT);
      expect(finished.code, finished.stderr).toBe(0);
      expect(jsonLines(finished.stdout).map((r) => r.idempotencyKey)).toEqual([1, 2, 3].map((i) => `${key}#${i}/3`));
      const sent = await sentTo(sb, to(5));
      expect(sent.length).toBe(3);
      expect(new Set(sent.map((m) => m.body)).size).toBe(3);
    });

    it('a batch row cut short in three parts: the dry run and the real run both refuse it where it is one message, and nothing goes out', async () => {
      const file = path.join(cwd, `cut-batch-${kind.name}.csv`);
      writeFileSync(file, ['to,body', `${to(8)},${BODY}`].join('\n'));
      const run = (settings: Record<string, string>, flags: string[] = []) => send(['--batch', file, '--yes', '--batch-id', `cut-batch-${kind.name}`, ...flags], settings);
      expect((await run({ ...SHORT, OPENCLAW_TELEPHONY_FAULT_CRASH_AFTER_SENDS: '2' })).code).not.toBe(0);
      const dry = await run({}, ['--dry-run', '--json']);
      expect(dry.code, dry.stderr).toBe(7);
      expect(jsonLines(dry.stdout)[0]).toMatchObject({ row: 1, verdict: 'refused', reason: expect.stringContaining('was split into 3 parts before (1 sent, 1 pending, 1 not started), and this run would send it as one message') });
      const human = await run({}, ['--dry-run']);
      expect(human.stdout).toContain('row 1 ' + to(8) + ': would fail: refused (Idempotency key');
      const real = await run({}, ['--json']);
      expect(real.code, real.stderr).toBe(7);
      expect(jsonLines(real.stdout)[0]).toMatchObject({ row: 1, ok: false, error: { code: 'idempotency_key_layout_changed' } });
      expect((await sentTo(sb, to(8))).length).toBe(2);
    });

    it('two runs claiming one key with different layouts at the same moment: one layout goes out, the other run sends nothing', async () => {
      const key = `race-${kind.name}`;
      const args = [to(6), BODY, '--idempotency-key', key, '--json'];
      const [whole, split] = await Promise.all([send(args, {}, slow), send(args, SHORT, slow)]);
      const sent = await sentTo(slow, to(6));
      const wholeWon = sent.some((m) => m.body === BODY);
      expect(sent.length, whole.stderr + split.stderr).toBe(wholeWon ? 1 : 3);
      const [winner, loser] = wholeWon ? [whole, split] : [split, whole];
      expect(winner.code, winner.stderr).toBe(0);
      expect(jsonLines(winner.stdout).every((r) => !r.deduplicated)).toBe(true);
      // The loser met the winner's claim: refused while the winner was still sending, or answered from the store after it.
      if (loser.code === 2) expect(loser.stdout + loser.stderr).toContain('idempotency_key_layout_changed');
      else {
        expect(loser.code, loser.stderr).toBe(0);
        for (const r of jsonLines(loser.stdout)) expect(r).toMatchObject({ deduplicated: true, layoutChanged: { earlierParts: wholeWon ? 1 : 3 } });
      }
    });
  });
}
