/** The opt-out list: numbers that must not be messaged (STOP, a 21610 answer, or the operator). */
import type { Store } from './open-store.js';
import { statement } from './statement.js';

// Fixed statements: every send checks the list, and a send must not load the query builder.
const FIND = statement('SELECT phone FROM optouts WHERE phone = ?');
const ADD = statement('INSERT INTO optouts (phone, source, created_at) VALUES (?, ?, ?) ON CONFLICT (phone) DO NOTHING');

export async function isOptedOut(store: Store, phone: string): Promise<boolean> {
  return (await store.readOne(FIND, [phone])) !== undefined;
}

export async function addOptOut(store: Store, phone: string, source: string): Promise<boolean> {
  return (await store.run(ADD, [phone, source, new Date().toISOString()])) > 0;
}

export async function removeOptOut(store: Store, phone: string): Promise<boolean> {
  const res = await (await store.queryBuilder()).deleteFrom('optouts').where('phone', '=', phone).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

export async function listOptOuts(store: Store) {
  return (await store.queryBuilder()).selectFrom('optouts').selectAll().orderBy('created_at').execute();
}
