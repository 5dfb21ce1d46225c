/** The PostgreSQL side of the store: one pg pool, fixed statements run on it directly. */
import { ConfigError } from '../errors.js';
import type { Connection } from './open-store.js';
import type { Param, Statement } from './statement.js';

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
  };
}
