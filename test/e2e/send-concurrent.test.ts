/**
 * Exactly once across processes: one idempotency key, one message, whichever of several `send`
 * processes sharing a store gets there first; a key reused for different parameters is refused.
 * Runs on SQLite and on PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFaults } from '../../src/sandbox/faults.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { isolatedEnv, telephony } from '../helpers/cli.js';
import { sentMessages } from '../helpers/sent.js';
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
