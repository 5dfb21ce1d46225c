/**
 * Two runs of one batch at once with outbound.approval first-contact hold each text once: exactly
 * one pending approval per row, on SQLite and on PostgreSQL (they used to hold 302-378 for 300 rows).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { isolatedEnv, telephony } from '../helpers/cli.js';
import { sentMessages } from '../helpers/sent.js';
import { requirePgInCi, storeKinds } from '../helpers/stores.js';

requirePgInCi();

let sb: Sandbox;
let from: string;
beforeAll(async () => {
  sb = await startSandbox({ port: 0, deliveryDelayMs: 10 });
  from = sb.describe().numbers[0].phoneNumber;
});
afterAll(() => sb.close());

const ROWS = 300;

for (const kind of storeKinds) {
  describe.skipIf(kind.skip)(`held approvals on ${kind.name}`, () => {
    it(`two runs of a ${ROWS}-row batch at once hold exactly ${ROWS} texts`, async () => {
      const { env, cwd } = isolatedEnv();
      Object.assign(env, { OPENCLAW_TELEPHONY_SANDBOX_URL: sb.baseUrl, TWILIO_PHONE_NUMBER: from, OPENCLAW_TELEPHONY_STORE_URL: await kind.url(), OPENCLAW_TELEPHONY_OUTBOUND_APPROVAL: 'first-contact' });
      const prefix = kind.name === 'sqlite' ? '+1555031' : '+1555032';
      const file = path.join(cwd, 'twin.csv');
      writeFileSync(file, ['to,body', ...Array.from({ length: ROWS }, (_, i) => `${prefix}${String(i).padStart(4, '0')},held twin row ${i}`)].join('\n'));
      const args = ['send', '--sandbox', '--batch', file, '--rate', '50', '--json', '--yes'];
      const [a, b] = await Promise.all([telephony(args, { env, cwd }), telephony(args, { env, cwd })]);
      expect([a.code, b.code], a.stderr + b.stderr).not.toContain(1);
      const list = await telephony(['approvals', 'list', '--json'], { env, cwd });
      expect(list.code, list.stderr).toBe(0);
      const held = (JSON.parse(list.stdout) as { approvals: { request: { to: string; idempotencyKey: string } }[] }).approvals;
      expect(held).toHaveLength(ROWS);
      expect(new Set(held.map((h) => h.request.idempotencyKey)).size).toBe(ROWS);
      expect(new Set(held.map((h) => h.request.to)).size).toBe(ROWS);
      expect((await sentMessages(sb)).filter((m) => m.to.startsWith(prefix))).toHaveLength(0);
    }, 180_000);
  });
}
