/**
 * Nothing lost, nothing twice: batches killed between Twilio's answer and the settle, killed from
 * outside, interrupted with Ctrl-C, and sent through 429s and dropped answers; each re-run ends with
 * every row sent exactly once. Runs on SQLite and on PostgreSQL.
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
  sb = await startSandbox({ port: 0, deliveryDelayMs: 10, rates: { longcode: 1000 } });
  from = sb.describe().numbers[0].phoneNumber;
});
afterAll(() => sb.close());

function batchFile(dir: string, name: string, rows: number): string {
  const file = path.join(dir, `${name}.csv`);
  writeFileSync(file, ['to,body', ...Array.from({ length: rows }, (_, i) => `+1555200${String(i).padStart(4, '0')},${name} ${i}`)].join('\n'));
  return file;
}

/** Runs a batch in the background; resolves when it prints `afterLines` result lines, then signals it. */
function runAndSignal(args: string[], env: NodeJS.ProcessEnv, cwd: string, afterLines: number, signal: NodeJS.Signals) {
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let sent = false;
    child.stdout.on('data', (d) => {
      stdout += d;
      if (!sent && stdout.split('\n').filter((l) => l.startsWith('{"row"')).length >= afterLines) {
        sent = true;
        child.kill(signal);
      }
    });
    child.on('exit', (code, sig) => resolve({ code, signal: sig, stdout }));
  });
}

const bodiesOf = async (prefix: string) => (await sentMessages(sb)).filter((m) => m.body.startsWith(prefix + ' '));

for (const kind of storeKinds) {
  describe.skipIf(kind.skip)(`exactly once on ${kind.name}`, () => {
    let env: NodeJS.ProcessEnv;
    let cwd: string;
    beforeAll(async () => {
      ({ env, cwd } = isolatedEnv());
      Object.assign(env, { OPENCLAW_TELEPHONY_SANDBOX_URL: sb.baseUrl, TWILIO_PHONE_NUMBER: from, OPENCLAW_TELEPHONY_STORE_URL: await kind.url() });
    });

    it('a crash between the API call and the settle is reconciled, not resent', async () => {
      const prefix = `crash-${kind.name}`;
      const file = batchFile(cwd, prefix, 20);
      const crashed = await telephony(['send', '--sandbox', '--batch', file, '--rate', '200', '--concurrency', '1', '--json'], { env: { ...env, OPENCLAW_TELEPHONY_FAULT_CRASH_AFTER_SENDS: '5' }, cwd });
      expect(crashed.code).toBeNull(); // killed by SIGKILL
      expect((await bodiesOf(prefix)).length).toBe(5); // the fifth went out but was never settled
      const rerun = await telephony(['send', '--sandbox', '--batch', file, '--rate', '200', '--json'], { env, cwd });
      expect(rerun.code).toBe(0);
      const summary = JSON.parse(rerun.stdout.trim().split('\n').at(-1)!).summary;
      expect(summary).toMatchObject({ sent: 20, failed: 0 });
      expect(summary.deduplicated).toBe(5); // four settled, one reconciled from Twilio's list
      const all = await bodiesOf(prefix);
      expect(all.length).toBe(20);
      expect(duplicates(all)).toEqual([]);
    });

    it('a single send killed before its settle answers from Twilio on retry', async () => {
      const body = `single crash ${kind.name}`;
      const crashed = await telephony(['send', '--sandbox', '+15559000001', body, '--idempotency-key', `k-${kind.name}`], { env: { ...env, OPENCLAW_TELEPHONY_FAULT_CRASH_AFTER_SENDS: '1' }, cwd });
      expect(crashed.code).toBeNull();
      const retry = await telephony(['send', '--sandbox', '+15559000001', body, '--idempotency-key', `k-${kind.name}`, '--json'], { env, cwd });
      expect(JSON.parse(retry.stdout)).toMatchObject({ deduplicated: true });
      expect((await sentMessages(sb)).filter((m) => m.body === body).length).toBe(1);
    });

    it('kill -9 from outside mid-batch loses nothing: the re-run completes each row once', async () => {
      const prefix = `kill9-${kind.name}`;
      const file = batchFile(cwd, prefix, 60);
      const killed = await runAndSignal(['send', '--sandbox', '--batch', file, '--rate', '40', '--json'], env, cwd, 15, 'SIGKILL');
      expect(killed.signal).toBe('SIGKILL');
      const rerun = await telephony(['send', '--sandbox', '--batch', file, '--rate', '200', '--json'], { env, cwd });
      expect(rerun.code).toBe(0);
      const all = await bodiesOf(prefix);
      expect(all.length).toBe(60);
      expect(duplicates(all)).toEqual([]);
    });

    it('Ctrl-C stops taking rows, settles those in flight and exits 130', async () => {
      const prefix = `sigint-${kind.name}`;
      const file = batchFile(cwd, prefix, 60);
      const stopped = await runAndSignal(['send', '--sandbox', '--batch', file, '--rate', '20', '--json'], env, cwd, 5, 'SIGINT');
      expect(stopped.code).toBe(130);
      const summary = JSON.parse(stopped.stdout.trim().split('\n').at(-1)!).summary;
      expect(summary.interrupted).toBe(true);
      expect(summary.notStarted).toBeGreaterThan(0);
      // Everything it reported as sent really went out, and nothing more than it started.
      expect((await bodiesOf(prefix)).length).toBe(summary.sent);
      const rerun = await telephony(['send', '--sandbox', '--batch', file, '--rate', '200', '--json'], { env, cwd });
      expect(rerun.code).toBe(0);
      const all = await bodiesOf(prefix);
      expect(all.length).toBe(60);
      expect(duplicates(all)).toEqual([]);
    });
  });
}

describe('through injected faults', () => {
  it('never resends when it cannot tell whether a message went out', async () => {
    // Every answer is lost after the request took effect, the Messages list included.
    const blind = await startSandbox({ port: 0, deliveryDelayMs: 10, rates: { longcode: 1000 }, faults: parseFaults('reset:100%') });
    try {
      const { env, cwd } = isolatedEnv({ OPENCLAW_TELEPHONY_SANDBOX_URL: blind.baseUrl, TWILIO_PHONE_NUMBER: blind.describe().numbers[0].phoneNumber });
      const res = await telephony(['send', '--sandbox', '+15559100001', 'in the dark', '--idempotency-key', 'dark-1'], { env, cwd });
      expect(res.code).toBe(6);
      expect(res.stderr).toContain('not resent');
      const inbox = await (await fetch(`${blind.baseUrl}/sandbox/v1/handsets/${encodeURIComponent('+15559100001')}/inbox`)).json();
      await expect.poll(async () => (await (await fetch(`${blind.baseUrl}/sandbox/v1/handsets/${encodeURIComponent('+15559100001')}/inbox`)).json()).messages.length).toBe(1);
      expect(inbox.messages.length).toBeLessThanOrEqual(1);
    } finally {
      await blind.close();
    }
  });

  it('a send without --idempotency-key whose outcome is unknown names the key to rerun with, and that rerun sends nothing twice', async () => {
    const faults = parseFaults('reset:100%');
    const blind = await startSandbox({ port: 0, deliveryDelayMs: 10, rates: { longcode: 1000 }, faults });
    try {
      const { env, cwd } = isolatedEnv({ OPENCLAW_TELEPHONY_SANDBOX_URL: blind.baseUrl, TWILIO_PHONE_NUMBER: blind.describe().numbers[0].phoneNumber });
      const first = await telephony(['send', '--sandbox', '+15559100002', 'keyless in the dark', '--json'], { env, cwd });
      expect(first.code).toBe(6);
      const error = JSON.parse(first.stdout).error as { hint: string; idempotencyKey: string };
      expect(error.idempotencyKey).toMatch(/^send:[0-9a-f-]{36}$/);
      // "Run the same command again" would draw a new key and send a second text: the hint names the key.
      expect(error.hint).toContain(`--idempotency-key ${error.idempotencyKey}`);
      expect(error.hint).not.toContain('run the same command again');
      const inbox = async () => (await (await fetch(`${blind.baseUrl}/sandbox/v1/handsets/${encodeURIComponent('+15559100002')}/inbox`)).json()).messages as unknown[];
      await expect.poll(async () => (await inbox()).length).toBe(1);
      // The network heals; the rerun under the named key finds the text in Twilio's list and settles it.
      (faults as { resetProbability: number }).resetProbability = 0;
      const rerun = await telephony(['send', '--sandbox', '+15559100002', 'keyless in the dark', '--idempotency-key', error.idempotencyKey, '--json'], { env, cwd });
      expect(rerun.code, rerun.stderr).toBe(0);
      expect(await inbox()).toHaveLength(1);
    } finally {
      await blind.close();
    }
  });

  it('429s are retried and dropped answers reconciled: every row once', async () => {
    const faulty = await startSandbox({ port: 0, deliveryDelayMs: 10, rates: { longcode: 1000 }, faults: parseFaults('429:20%,503:5%,reset:5%') });
    try {
      const { env, cwd } = isolatedEnv({ OPENCLAW_TELEPHONY_SANDBOX_URL: faulty.baseUrl, TWILIO_PHONE_NUMBER: faulty.describe().numbers[0].phoneNumber });
      const file = batchFile(cwd, 'faulty', 80);
      // With faults this dense a row can still run out of its 3 retries: it fails with exit 7, as
      // for a user, and the re-run completes it. Nothing may be sent twice along the way.
      let summary: { failed: number; sent: number } | undefined;
      for (let run = 0; run < 4 && (!summary || summary.failed > 0); run++) {
        const res = await telephony(['send', '--sandbox', '--batch', file, '--rate', '200', '--json'], { env, cwd });
        const lines = res.stdout.trim().split('\n').map((l) => JSON.parse(l));
        summary = lines.at(-1).summary;
        expect(res.code).toBe(summary!.failed ? 7 : 0);
        for (const l of lines.filter((x) => x.row && !x.ok)) expect(['twilio_api', 'network']).toContain(l.error.code);
      }
      expect(summary).toMatchObject({ failed: 0, sent: 80 });
      const all = (await sentMessages(faulty)).filter((m) => m.body.startsWith('faulty '));
      expect(all.length).toBe(80);
      expect(duplicates(all)).toEqual([]);
    } finally {
      await faulty.close();
    }
  });
});
