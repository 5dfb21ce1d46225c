/**
 * Exactly once across processes: one idempotency key, one message, whichever of several `send`
 * processes sharing a store gets there first; a key reused for different parameters is refused;
 * concurrent runs of one batch (one of them killed and restarted) send every row once, together
 * at the sender's rate. Runs on SQLite and on PostgreSQL.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFaults } from '../../src/sandbox/faults.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { BIN, isolatedEnv, telephony } from '../helpers/cli.js';
import { duplicates, sentMessages } from '../helpers/sent.js';
import { requirePgInCi, storeKinds } from '../helpers/stores.js';

requirePgInCi();

let sb: Sandbox;
let from: string;

beforeAll(async () => {
  // Every API answer takes a second, so the second process arrives while the first one's request is in flight.
  sb = await startSandbox({ port: 0, deliveryDelayMs: 10, rates: { longcode: 1000 }, faults: parseFaults('latency:1000ms') });
  from = sb.describe().numbers[0].phoneNumber;
});
afterAll(() => sb.close());

for (const kind of storeKinds) {
  describe.skipIf(kind.skip)(`one key, one message, on ${kind.name}`, () => {
    let env: NodeJS.ProcessEnv;
    let cwd: string;
    // Each store kind texts numbers of its own: the sandbox is shared.
    const to = (n: number) => `+1555930${kind.name === 'sqlite' ? 1 : 2}${String(n).padStart(3, '0')}`;
    beforeAll(async () => {
      ({ env, cwd } = isolatedEnv());
      Object.assign(env, { OPENCLAW_TELEPHONY_SANDBOX_URL: sb.baseUrl, TWILIO_PHONE_NUMBER: from, OPENCLAW_TELEPHONY_STORE_URL: await kind.url() });
    });

    it('two `send --idempotency-key K` at once send one message; the other reports it as sent by the other run', async () => {
      const body = `twin send ${kind.name}`;
      const args = ['send', '--sandbox', to(1), body, '--idempotency-key', `twin-${kind.name}`, '--json'];
      const [a, b] = await Promise.all([telephony(args, { env, cwd }), telephony(args, { env, cwd })]);
      expect([a.code, b.code], a.stderr + b.stderr).toEqual([0, 0]);
      const results = [JSON.parse(a.stdout), JSON.parse(b.stdout)];
      expect(results[0].sid).toBe(results[1].sid);
      expect(results.filter((r) => r.deduplicated).length).toBe(1);
      expect(results.find((r) => r.deduplicated).sentByOtherRun).toMatch(/:\d+:[0-9a-f]{8}$/); // host:pid:random
      expect((await sentMessages(sb)).filter((m) => m.body === body).length).toBe(1);
    });

    it('a key reused with a different body is refused (exit 2), naming the key and the original message', async () => {
      const key = `reused-${kind.name}`;
      const first = await telephony(['send', '--sandbox', to(2), 'the original text', '--idempotency-key', key, '--json'], { env, cwd });
      expect(first.code).toBe(0);
      const original = JSON.parse(first.stdout);
      for (const other of ['another text', 'x'.repeat(400)]) {
        const again = await telephony(['send', '--sandbox', to(2), other, '--idempotency-key', key], { env, cwd });
        expect(again.code).toBe(2);
        expect(again.stderr).toContain(`Idempotency key "${key}" was already used for a different message (${original.sid} to ${to(2)}, sent `);
        expect(again.stderr).toContain('nothing was sent');
      }
      const toOther = await telephony(['send', '--sandbox', to(3), 'the original text', '--idempotency-key', key, '--json'], { env, cwd });
      expect(toOther.code).toBe(2);
      expect(JSON.parse(toOther.stdout).error.code).toBe('idempotency_key_reused');
      const sent = (await sentMessages(sb)).filter((m) => m.to === to(2) || m.to === to(3));
      expect(sent.map((m) => m.body)).toEqual(['the original text']);
      // The same parameters again answer with the original.
      const same = await telephony(['send', '--sandbox', to(2), 'the original text', '--idempotency-key', key, '--json'], { env, cwd });
      expect(JSON.parse(same.stdout)).toMatchObject({ sid: original.sid, deduplicated: true });
    });
  });
}

/** A CLI run in the background; `killAfterRows` kills it with SIGKILL once it has printed that many rows. */
function background(args: string[], env: NodeJS.ProcessEnv, cwd: string, killAfterRows = Infinity) {
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let rows = 0;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
      rows += (d.toString().match(/^\{"row"/gm) ?? []).length;
      if (rows >= killAfterRows && child.exitCode === null && !child.killed) child.kill('SIGKILL');
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

const summaryOf = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!).summary;

describe('three runs of one 1,000-row batch at once, one killed with kill -9 and restarted, through 429s and resets', () => {
  let faulty: Sandbox;
  beforeAll(async () => {
    faulty = await startSandbox({ port: 0, deliveryDelayMs: 10, rates: { longcode: 1000 }, faults: parseFaults('429:5%,reset:1%') });
  });
  afterAll(() => faulty.close());

  for (const kind of storeKinds) {
    it.skipIf(kind.skip)(`every row exactly once on ${kind.name} (the time against one run is measured by the concurrent-batches bench)`, { timeout: 120_000 }, async () => {
      const { env, cwd } = isolatedEnv({ OPENCLAW_TELEPHONY_SANDBOX_URL: faulty.baseUrl, TWILIO_PHONE_NUMBER: faulty.describe().numbers[0].phoneNumber });
      env.OPENCLAW_TELEPHONY_STORE_URL = await kind.url();
      const rows = 1000;
      const rate = 100;
      const batch = (name: string) => {
        const file = path.join(cwd, `${name}.csv`);
        writeFileSync(file, ['to,body', ...Array.from({ length: rows }, (_, i) => `+1555${kind.name === 'sqlite' ? 4 : 5}${String(i).padStart(6, '0')},${name} ${i}`)].join('\n'));
        return file;
      };
      const args = (file: string) => ['send', '--sandbox', '--batch', file, '--rate', String(rate), '--json'];
      const sentOnce = async (name: string) => {
        const sent = (await sentMessages(faulty)).filter((m) => m.body.startsWith(`${name} `));
        expect(duplicates(sent)).toEqual([]);
        expect(sent.length).toBe(rows);
      };

      const shared = batch(`three-${kind.name}`);
      const restarted = background(args(shared), env, cwd, 300).then(async (killed) => {
        expect(killed.signal).toBe('SIGKILL');
        return background(args(shared), env, cwd);
      });
      const runs = await Promise.all([background(args(shared), env, cwd), background(args(shared), env, cwd), restarted]);
      // Under injected 429s and resets a run may end with a row failed (exit 7; the batch reports it and its
      // key stays claimed, never resent blindly): the operator's rerun finishes it. Seen once in a loaded CI
      // rehearsal; the failed rows are printed so the cause can be read. What must hold always: each row once.
      for (const run of runs) expect([0, 7], run.stderr).toContain(run.code);
      for (const run of runs) if (run.code === 7) console.log('failed rows:', run.stdout.split('\n').filter((l) => /"failed"|"error"/.test(l)).slice(0, 5).join('\n'));
      if (runs.some((r) => r.code === 7)) {
        const rerun = await background(args(shared), env, cwd);
        expect(rerun.code, rerun.stderr).toBe(0);
        expect(summaryOf(rerun.stdout)).toMatchObject({ rows, failed: 0, notStarted: 0 });
      }
      await sentOnce(`three-${kind.name}`);
      const summaries = runs.map((r) => summaryOf(r.stdout));
      for (const s of summaries) expect(s).toMatchObject({ rows, notStarted: 0 });
      // The runs shared the rows: each reports the others' rows as sent by another run.
      for (const s of summaries.slice(0, 2)) expect(s.byOtherRun).toBeGreaterThan(0);
    });
  }
});
