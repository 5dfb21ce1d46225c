/** The PostgreSQL side of the store: one pg pool, fixed statements run on it directly. */
import { ConfigError } from '../errors.js';
import type { Connection } from './open-store.js';
import type { Param, Statement } from './statement.js';

// Any fixed number: the session advisory lock held around migrations.
const MIGRATION_LOCK = 0x0c1a_3a16;
/** How long a process waits for another one's migrations before it gives up with an error. */
const MIGRATION_LOCK_WAIT_MS = 120_000;

export async function openPostgres(url: string): Promise<Connection> {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  try {
    const client = await pool.connect();
    client.release();
  } catch (err) {
    await pool.end();
    throw new ConfigError(
      `The PostgreSQL store could not be reached: ${(err as Error).message}`,
      'Check store.url (host, port, database, user) and that the server is running.',
      'store_open',
    );
  }
  // Closing ends the pool; a write that has not got a connection yet would then wait forever, so close waits for them.
  const inFlight = new Set<Promise<unknown>>();
  const query = <Row>(sql: string, params: Param[] = []) => {
    const work = pool.query<Row & object>(sql, params);
    inFlight.add(work);
    // The caller handles `work`'s failure; this derived promise would only repeat it as an unhandled rejection.
    void work.finally(() => inFlight.delete(work)).catch(() => undefined);
    return work;
  };
  return {
    handle: { dialect: 'postgres', pool },
    driver: 'pg',
    write: async (s, params) => void (await query(s.postgres, params)),
    readOne: async <Row>(s: Statement, params: Param[]) => (await query<Row>(s.postgres, params)).rows[0] as Row | undefined,
    run: async (s, params) => (await query(s.postgres, params)).rowCount ?? 0,
    readAll: async <Row>(sql: string) => (await query<Row>(sql)).rows as Row[],
    probe: async () => {
      try {
        await pool.query('SELECT 1');
        return { state: 'ok' };
      } catch (err) {
        return { state: 'unavailable', detail: (err as Error).message };
      }
    },
    beforeClose: async () => {
      await Promise.allSettled([...inFlight]);
    },
    end: () => pool.end(),
    async migrationLock(work) {
      const client = await pool.connect();
      try {
        await client.query(`SET lock_timeout = ${MIGRATION_LOCK_WAIT_MS}`);
        await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
        return await work();
      } catch (err) {
        if ((err as { code?: string }).code === '55P03') throw new ConfigError(`Another process has been migrating the PostgreSQL store for over ${MIGRATION_LOCK_WAIT_MS / 1000} s.`, 'Look for a stuck process holding the migration lock (pg_locks, locktype advisory), stop it, and start again.', 'store_migration');
        throw err;
      } finally {
        // Closing the session lets go of the advisory lock and the lock_timeout setting, whatever happened.
        client.release(true);
      }
    },
  };
}
