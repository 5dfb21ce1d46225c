/** The opt-out list: numbers that must not be messaged (STOP, a 21610 answer, or the operator). */
import type { Store } from './open-store.js';

export async function isOptedOut(store: Store, phone: string): Promise<boolean> {
  return (await store.db.selectFrom('optouts').select('phone').where('phone', '=', phone).executeTakeFirst()) !== undefined;
}

export async function addOptOut(store: Store, phone: string, source: string): Promise<boolean> {
  const res = await store.db.insertInto('optouts').values({ phone, source, created_at: new Date().toISOString() }).onConflict((oc) => oc.column('phone').doNothing()).executeTakeFirst();
  return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function removeOptOut(store: Store, phone: string): Promise<boolean> {
  const res = await store.db.deleteFrom('optouts').where('phone', '=', phone).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

export async function listOptOuts(store: Store) {
  return store.db.selectFrom('optouts').selectAll().orderBy('created_at').execute();
}
