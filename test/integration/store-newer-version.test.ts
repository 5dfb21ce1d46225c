/**
 * A store a newer version migrated is refused by this one (review S1 of session 9): an older process
 * on it would ignore the newer version's exactly-once rules. Opening it fails with a ConfigError that
 * says to upgrade; a spawned `send` exits 3 and sends nothing; a running serve's watch says it once.
 * Runs on SQLite and on PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConfigError, ExitCode } from '../../src/errors.js';
import { watchStoreVersion } from '../../src/server/store-version-watch.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/server.js';
import { openStore } from '../../src/store/open-store.js';
import { statement } from '../../src/store/statement.js';
import { isolatedEnv, telephony } from '../helpers/cli.js';
import { sentMessages } from '../helpers/sent.js';
import { requirePgInCi, storeKinds } from '../helpers/stores.js';

requirePgInCi();

const NEWER = '999_from_a_newer_version';
const recordNewer = statement('INSERT INTO kysely_migration (name, timestamp) VALUES (?, ?)');

let sb: Sandbox;
beforeAll(async () => {
  sb = await startSandbox({ port: 0, deliveryDelayMs: 10, rates: { longcode: 1000 } });
});
afterAll(() => sb.close());

for (const kind of storeKinds) {
  describe.skipIf(kind.skip)(`a store upgraded by a newer version, on ${kind.name}`, () => {
    it('is refused at open, naming the unknown migration and the fix', async () => {
      const url = await kind.url();
      const store = await openStore(url, { queryBuilder: false });
      await store.run(recordNewer, [NEWER, new Date().toISOString()]);
      await store.close();
      const refused = await openStore(url).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(refused).toBeInstanceOf(ConfigError);
      expect((refused as ConfigError).code).toBe('store_newer_than_this_version');
      expect((refused as ConfigError).message).toContain(NEWER);
      expect((refused as ConfigError).hint).toMatch(/Upgrade this copy/);
    });

    it('makes `send` exit 3 without sending', async () => {
      const { env, cwd } = isolatedEnv();
      const url = await kind.url();
      const store = await openStore(url, { queryBuilder: false });
      await store.run(recordNewer, [NEWER, new Date().toISOString()]);
      await store.close();
      const to = `+1555061${kind.name === 'sqlite' ? 1 : 2}001`;
      const r = await telephony(['send', '--sandbox', to, 'never on a newer store', '--json'], {
        env: { ...env, OPENCLAW_TELEPHONY_STORE_URL: url, OPENCLAW_TELEPHONY_SANDBOX_URL: sb.baseUrl, TWILIO_PHONE_NUMBER: sb.describe().numbers[0].phoneNumber },
        cwd,
      });
      expect(r.code).toBe(ExitCode.config);
      expect(JSON.parse(r.stdout).error.code).toBe('store_newer_than_this_version');
      expect((await sentMessages(sb)).filter((m) => m.to === to)).toEqual([]);
    });

    it("is said once by a running serve's watch when another process upgrades the store", async () => {
      const url = await kind.url();
      const store = await openStore(url, { queryBuilder: false });
      const said: string[] = [];
      const errors: Error[] = [];
      // The store as the watch sees it, counting its checks (so the test waits for checks, not for time).
      let checks = 0;
      const counted = Object.create(store, { readMany: { value: (...args: Parameters<typeof store.readMany>) => (checks++, store.readMany(...args)) } }) as typeof store;
      const afterChecks = (n: number) => {
        const target = checks + n;
        return vi.waitFor(() => expect(checks).toBeGreaterThanOrEqual(target), { timeout: 10_000, interval: 10 });
      };
      const stop = watchStoreVersion(counted, { onNewer: (m) => said.push(m), onError: (e) => errors.push(e), checkEveryMs: 20 });
      try {
        await afterChecks(3);
        expect(said).toEqual([]);
        const other = await openStore(url, { queryBuilder: false });
        await other.run(recordNewer, [NEWER, new Date().toISOString()]);
        await other.close();
        await vi.waitFor(() => expect(said).toHaveLength(1), { timeout: 10_000, interval: 20 });
        expect(said[0]).toContain(NEWER);
        expect(said[0]).toMatch(/until it is restarted/);
        // Checked again several times since: still said once (at most once an hour).
        await afterChecks(5);
        expect(said).toHaveLength(1);
        expect(errors).toEqual([]);
      } finally {
        stop();
        await store.close();
      }
    });
  });
}
