/**
 * A PostgreSQL server that answers but will not open the store names the fix for the cause: a missing
 * database says how to create it (the trial's operator had to guess), and no fix sends the operator to
 * put a password into store.url.
 */
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { PG_URL, requirePgInCi } from '../helpers/stores.js';

requirePgInCi();

describe.skipIf(!PG_URL)('opening a PostgreSQL store that the server refuses', () => {
  it('a database that does not exist: store_open, naming createdb', async () => {
    const url = new URL(PG_URL!);
    url.pathname = '/no_such_database_here';
    const err = await openStore(url.toString()).then(
      (s) => s.close().then(() => undefined),
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'store_open' });
    expect((err as { hint: string }).hint).toMatch(/createdb/);
    expect((err as Error).message).toMatch(/does not exist/);
  });
});
