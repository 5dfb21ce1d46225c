/** The PostgreSQL side of the store: one pg pool, fixed statements run on it directly. */
import { ConfigError } from '../errors.js';
import type { Connection, StoreHealth } from './open-store.js';
import { isServerSilent, poolTimeoutOptions, postgresTimeouts, storeUnavailableError, type PostgresTimeouts } from './postgres-timeouts.js';
import type { Param, Statement } from './statement.js';

// Any fixed number: the session advisory lock held around migrations.
const MIGRATION_LOCK = 0x0c1a_3a16;
/** How long a process waits for another one's migrations before it gives up with an error. */
const MIGRATION_LOCK_WAIT_MS = 120_000;

/** `location` is the URL with its password removed, for messages. */
export async function openPostgres(url: string, location: string): Promise<Connection> {
  const { default: pg } = await import('pg');
  const timeouts = postgresTimeouts(url);
  // A client whose connecting failed in the driver itself (no password for SCRAM) keeps its socket
  // open until the server gives up (60 s), and the pool forgets it: end it, so the command exits at once.
  class ClosingClient extends pg.Client {
    // pg-pool calls connect(callback); the promise form is left as it is.
    connect(...args: unknown[]): any {
      const callback = args[0] as ((err?: Error) => void) | undefined;
      if (!callback) return super.connect();
      return super.connect((err?: Error) => {
        if (err) void this.end().catch(() => undefined);
        callback(err);
      });
    }
  }
  const pool = new pg.Pool({ connectionString: url, max: 10, Client: ClosingClient as unknown as typeof pg.Client, ...poolTimeoutOptions(timeouts) });
  // An idle connection that dies (keepalive gave up, the server restarted) is reported here; unheard, it would end the process.
  pool.on('error', () => undefined);
  // A connection checked out (a Kysely transaction, the migration lock) hears the server's goodbye on
  // the client itself, where pg-pool does not listen: unheard, that too would end the process. The
  // work on it fails with the error; the pool drops the client on release and opens a new one next time.
  pool.on('connect', (client) => client.on('error', () => undefined));
  try {
    const client = await pool.connect();
    client.release();
  } catch (err) {
    await endWithin(pool, timeouts.connectMs);
    if (isServerSilent(err)) throw storeUnavailableError(location, timeouts, err, 'connect');
    throw new ConfigError(
      `The PostgreSQL store at ${location} could not be opened: ${openFailureCause(err)}`,
      openFailureHint(err),
      'store_open',
    );
  }
  // Closing ends the pool; a write that has not got a connection yet would then wait forever, so close waits for them.
  const inFlight = new Set<Promise<unknown>>();
  const query = <Row>(sql: string, params: Param[] = []) => {
    const work = pool.query<Row & object>(sql, params).catch((err: unknown) => {
      throw isServerSilent(err) ? storeUnavailableError(location, timeouts, err, 'query') : err;
    });
    inFlight.add(work);
    // The caller handles `work`'s failure; this derived promise would only repeat it as an unhandled rejection.
    void work.finally(() => inFlight.delete(work)).catch(() => undefined);
    return work;
  };
  return {
    handle: { dialect: 'postgres', pool },
    driver: 'pg',
    write: async (s, params) => (await query(s.postgres, params)).rowCount ?? 0,
    readOne: async <Row>(s: Statement, params: Param[]) => (await query<Row>(s.postgres, params)).rows[0] as Row | undefined,
    readMany: async <Row>(s: Statement, params: Param[]) => (await query<Row>(s.postgres, params)).rows as Row[],
    run: async (s, params) => (await query(s.postgres, params)).rowCount ?? 0,
    readAll: async <Row>(sql: string) => (await query<Row>(sql)).rows as Row[],
    probe: () => probeWithin(pool, timeouts),
    beforeClose: async () => {
      await Promise.allSettled([...inFlight]);
    },
    end: () => endWithin(pool, timeouts.connectMs),
    async migrationLock(work) {
      const client = await pool.connect();
      try {
        // The wait for the lock is bounded by lock_timeout, not by the ordinary statement limits.
        await client.query(`SET lock_timeout = ${MIGRATION_LOCK_WAIT_MS}; SET statement_timeout = 0`);
        // pg honours a per-query query_timeout (its types do not list it).
        const takeLock = { text: 'SELECT pg_advisory_lock($1)', values: [MIGRATION_LOCK], query_timeout: MIGRATION_LOCK_WAIT_MS + timeouts.readMs };
        await client.query(takeLock);
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

type Pool = InstanceType<(typeof import('pg'))['default']['Pool']>;

/** SELECT 1, answered "unavailable" after probeMs whatever the server does. */
async function probeWithin(pool: Pool, t: PostgresTimeouts): Promise<StoreHealth> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<StoreHealth>((resolve) => {
    timer = setTimeout(() => resolve({ state: 'unavailable', detail: `the server did not answer within ${t.probeMs / 1000} s` }), t.probeMs);
  });
  const answered = pool.query('SELECT 1').then(
    (): StoreHealth => ({ state: 'ok' }),
    (err: Error): StoreHealth => ({ state: 'unavailable', detail: err.message }),
  );
  try {
    return await Promise.race([answered, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Ends the pool, waiting at most `ms`: a frozen server never answers the goodbye, and a closing
 * command must not wait on it (its unref'd timer does not keep the process alive either).
 */
async function endWithin(pool: Pool, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const ended = pool.end().catch(() => undefined);
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), ms);
    timer.unref();
  });
  await Promise.race([ended, late]);
  clearTimeout(timer);
}

const PASSWORD_PLACES = 'PGPASSWORD (or ~/.pgpass, %APPDATA%\\postgresql\\pgpass.conf on Windows) rather than in store.url';

/**
 * The driver refuses by itself, before the server says anything, when the server asks for a SCRAM
 * password and none was given (no PGPASSWORD, no pgpass entry, none in the URL); its wording
 * ("SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string") names neither.
 */
const isPasswordMissing = (err: unknown) => /client password must be a (non-empty )?string/.test((err as Error).message ?? '');

/** What went wrong, in words: the driver's or the server's message, unless it is one of the driver's puzzles. */
function openFailureCause(err: unknown): string {
  return isPasswordMissing(err) ? 'the server asks for a password and none was given' : (err as Error).message;
}

/**
 * The fix for a server that answered but would not open the store, by PostgreSQL's error code
 * (28P01 password refused, 28000 no such role or no pg_hba.conf entry, 3D000 no such database).
 */
function openFailureHint(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  if (isPasswordMissing(err)) return `Give the password of the user in store.url in ${PASSWORD_PLACES}.`;
  if (code === '28P01') return `The server refused the password: set the right one in ${PASSWORD_PLACES}, and check the user name in store.url.`;
  if (code === '28000') return "The server does not let this user in from here: check the user in store.url and the server's pg_hba.conf.";
  if (code === '3D000') return 'The database in store.url does not exist: create it (createdb -O USER DBNAME) or fix its name.';
  return 'Check store.url (host, port, database, user), the password (PGPASSWORD or ~/.pgpass), and that the server is running.';
}
