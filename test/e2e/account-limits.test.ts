/**
 * The account's limits across `send` processes sharing a store, measured at the sandbox: several
 * batches at once never have more than outbound.apiConcurrency requests in flight there (on SQLite
 * and on PostgreSQL), two processes on two senders together keep outbound.accountRate in every
 * second, the request slots of a process killed with kill -9 come free after their lease, and a
 * batch stopped while its rows wait for a slot stops at once, sending none of them.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseFaults } from '../../src/sandbox/faults.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { acquireApiSlot } from '../../src/store/api-slots.js';
import { openStore } from '../../src/store/open-store.js';
import { BIN, isolatedEnv, telephony } from '../helpers/cli.js';
import { busiestWindow, duplicates, sentMessages } from '../helpers/sent.js';
import { requirePgInCi, sqliteUrl, storeKinds } from '../helpers/stores.js';

requirePgInCi();

let sb: Sandbox | undefined;
afterEach(async () => {
  await sb?.close();
  sb = undefined;
});

/** An isolated CLI environment on the sandbox and the store, with the given configuration variables. */
function envFor(sandbox: Sandbox, storeUrl: string, extra: Record<string, string>) {
  const { env, cwd } = isolatedEnv({ OPENCLAW_TELEPHONY_SANDBOX_URL: sandbox.baseUrl, TWILIO_PHONE_NUMBER: sandbox.describe().numbers[0].phoneNumber, OPENCLAW_TELEPHONY_STORE_URL: storeUrl, ...extra });
  return { env, cwd };
}

function writeBatch(cwd: string, name: string, rows: number, prefix: string): string {
  const file = path.join(cwd, `${name}.csv`);
  writeFileSync(file, ['to,body', ...Array.from({ length: rows }, (_, i) => `${prefix}${String(i).padStart(3, '0')},${name} ${i}`)].join('\n'));
  return file;
}

describe('the API concurrency cap across processes', () => {
  for (const kind of storeKinds) {
    it.skipIf(kind.skip)(`three batches at once with a cap of 3 never have more than 3 requests in flight at the sandbox (${kind.name})`, { timeout: 120_000 }, async () => {
      // Each answer takes 200 ms, so 24 workers (3 runs x 8) would have 24 requests in flight without the cap.
      sb = await startSandbox({ port: 0, deliveryDelayMs: 10, rates: { longcode: 1000 }, faults: parseFaults('latency:200ms') });
      const { env, cwd } = envFor(sb, await kind.url(), { OPENCLAW_TELEPHONY_OUTBOUND_API_CONCURRENCY: '3' });
      const files = [0, 1, 2].map((n) => writeBatch(cwd, `cap-${kind.name}-${n}`, 15, `+1555870${n}`));
      const runs = await Promise.all(files.map((file) => telephony(['send', '--sandbox', '--batch', file, '--rate', '1000', '--concurrency', '8', '--json'], { env, cwd })));
      for (const run of runs) expect(run.code, run.stderr).toBe(0);
      const sent = (await sentMessages(sb)).filter((m) => m.body.startsWith(`cap-${kind.name}-`));
      expect(sent.length).toBe(45);
      expect(duplicates(sent)).toEqual([]);
      // The Messages list read above came after the runs, one request at a time.
      expect(sb.requestStats().maxInFlight).toBe(3);
    });
  }
});

describe('the account rate across processes and senders', () => {
  it('two processes on two senders allowed 5/s each keep the account rate of 5/s together, in every second', { timeout: 120_000 }, async () => {
    sb = await startSandbox({ port: 0, deliveryDelayMs: 10, rates: { longcode: 1000 } });
    const { env, cwd } = envFor(sb, sqliteUrl(), { OPENCLAW_TELEPHONY_OUTBOUND_ACCOUNT_RATE: '5' });
    const service = sb.describe().messagingServiceSid;
    const byNumber = writeBatch(cwd, 'rate-number', 10, '+15558800');
    const byService = writeBatch(cwd, 'rate-service', 10, '+15558801');
    const runs = await Promise.all([
      telephony(['send', '--sandbox', '--batch', byNumber, '--rate', '5', '--json'], { env, cwd }),
      telephony(['send', '--sandbox', '--batch', byService, '--messaging-service', service, '--rate', '5', '--json'], { env, cwd }),
    ]);
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    const accepted = sb.acceptedMessages().filter((m) => m.body.startsWith('rate-'));
    expect(accepted.length).toBe(20);
    // Without the account's rate the two senders together would send 10 a second. A send held up on a
    // loaded machine (a stalled event loop) arrives late beside on-time ones, so a second at the sandbox
    // may see one or two more than the slots; the whole run cannot be shorter than 19 intervals of 200 ms.
    expect(busiestWindow(accepted.map((m) => m.atMs))).toBeLessThanOrEqual(7);
    const times = accepted.map((m) => m.atMs);
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(18 * 200);
  });
});

describe("a killed process's request slots", () => {
  it('come free after their lease: a send waiting for the only slot goes out once it runs out', { timeout: 120_000 }, async () => {
    // Answers take 4 s, so the killed run's request is still in flight (holding the only slot) when it dies.
    sb = await startSandbox({ port: 0, deliveryDelayMs: 10, rates: { longcode: 1000 }, faults: parseFaults('latency:4000ms') });
    const storeUrl = sqliteUrl();
    const { env, cwd } = envFor(sb, storeUrl, { OPENCLAW_TELEPHONY_OUTBOUND_API_CONCURRENCY: '1' });
    const file = writeBatch(cwd, 'killed', 3, '+15558900');
    const child = spawn(process.execPath, [BIN, 'send', '--sandbox', '--batch', file, '--rate', '1000', '--json'], { env, cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    await expect.poll(() => (child.exitCode === null ? sb!.requestStats().inFlight : `exited ${child.exitCode}: ${stderr}`), { timeout: 30_000, interval: 50 }).toBe(1);
    child.kill('SIGKILL');
    await exited;
    const store = await openStore(storeUrl);
    const held = await store.readOne<{ n: number }>({ sqlite: 'SELECT count(*) AS n FROM api_slots', postgres: '' }, []);
    await store.close();
    expect(Number(held?.n)).toBe(1);

    const started = performance.now();
    const single = await telephony(['send', '--sandbox', '+15558909999', 'after the kill', '--json'], { env, cwd });
    const took = performance.now() - started;
    expect(single.code, single.stderr).toBe(0);
    expect(JSON.parse(single.stdout).sid).toMatch(/^SM/);
    // It waited for the lease (10 s from the dead run's last renewal, at most 2.5 s before the kill),
    // then its own 4 s answer; never more than one request in flight at the sandbox.
    expect(took).toBeGreaterThanOrEqual(7_500 + 4_000 - 1_000);
    expect(sb.requestStats().maxInFlight).toBe(1);
  });
});

describe('a batch stopped while its rows wait for an API request slot', () => {
  it('exits at once (130) with the rows not started and nothing sent; the rerun sends each once', { timeout: 120_000 }, async () => {
    sb = await startSandbox({ port: 0, deliveryDelayMs: 10, rates: { longcode: 1000 } });
    const storeUrl = sqliteUrl();
    const { env, cwd } = envFor(sb, storeUrl, { OPENCLAW_TELEPHONY_OUTBOUND_API_CONCURRENCY: '1' });
    // Another process (on another machine, say) holds the account's only slot for the next two minutes.
    const store = await openStore(storeUrl);
    const other = { account: sb.describe().accountSid, owner: 'other-host:1:00000000', cap: 1, leaseMs: 120_000 };
    expect(await acquireApiSlot(store, other)).toBe(0);
    const file = writeBatch(cwd, 'waiting', 3, '+15558910');
    const child = spawn(process.execPath, [BIN, 'send', '--sandbox', '--batch', file, '--rate', '1000', '--json'], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    // Its rows are claimed and waiting for the slot: then the stop comes.
    const pending = { sqlite: "SELECT count(*) AS n FROM idempotency_keys WHERE state = 'pending'", postgres: '' };
    await expect.poll(async () => Number((await store.readOne<{ n: number }>(pending, []))?.n), { timeout: 30_000, interval: 100 }).toBeGreaterThanOrEqual(1);
    const stoppedAt = performance.now();
    child.kill('SIGTERM');
    expect(await exited).toBe(130);
    // Well inside the 60 s a request may wait for a slot.
    expect(performance.now() - stoppedAt).toBeLessThan(15_000);
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!).summary).toMatchObject({ interrupted: true, failed: 0, notStarted: 3 });
    expect((await sentMessages(sb)).filter((m) => m.body.startsWith('waiting '))).toEqual([]);

    await store.run({ sqlite: 'DELETE FROM api_slots', postgres: '' }, []);
    await store.close();
    const rerun = await telephony(['send', '--sandbox', '--batch', file, '--rate', '1000', '--json'], { env, cwd });
    expect(rerun.code, rerun.stderr).toBe(0);
    const sent = (await sentMessages(sb)).filter((m) => m.body.startsWith('waiting '));
    expect(sent.length).toBe(3);
    expect(duplicates(sent)).toEqual([]);
  });
});
