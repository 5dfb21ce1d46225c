/** The opt-out list: numbers that must not be messaged (STOP, a 21610 answer, or the operator). */
import type { Store } from './open-store.js';
import { statement } from './statement.js';

// Fixed statements: every send checks the list, and a send must not load the query builder.
const FIND = statement('SELECT phone, source FROM optouts WHERE phone = ?');
const ADD = statement('INSERT INTO optouts (phone, source, created_at) VALUES (?, ?, ?) ON CONFLICT (phone) DO NOTHING');

export async function isOptedOut(store: Store, phone: string): Promise<boolean> {
  return (await store.readOne(FIND, [phone])) !== undefined;
}

/** How the number came on the list (`sms-stop`, `twilio-21610`, `operator`, ...); undefined when it is not on it. */
export async function optOutSource(store: Store, phone: string): Promise<string | undefined> {
  const row = await store.readOne<{ source: string | null }>(FIND, [phone]);
  return row ? (row.source ?? 'unknown') : undefined;
}

/** Why a number must not be texted, as the user should read it: how it came on the list. */
export function optOutReason(phone: string, source: string): string {
  if (source === 'sms-stop') return `${phone} has opted out (replied STOP)`;
  if (source === 'twilio-21610') return `${phone} has opted out (Twilio refused an earlier text with error 21610: they replied STOP to this sender)`;
  if (source === 'operator') return `${phone} is on the opt-out list (added by an operator with \`optouts add\`)`;
  return `${phone} is on the opt-out list (added as "${source}")`;
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
