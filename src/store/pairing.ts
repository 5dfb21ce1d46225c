/**
 * Pairing requests, the allowlist, and the automatic answers to strangers: who may talk to the agent
 * under the "pairing" policy, and how many texts strangers have made the number send.
 */
import { type Kysely, sql } from 'kysely';
import type { Store } from './open-store.js';
import { NOW_ISO } from './statement.js';
import type { Database, PairingRequestsTable } from './tables.js';

export type PairingRow = PairingRequestsTable;

/** A store or a transaction on it: what these queries need. */
type Db = Pick<Store, 'db'>;

export async function isAllowed(store: Db, phone: string): Promise<boolean> {
  return (await store.db.selectFrom('allowlist').select('phone').where('phone', '=', phone).executeTakeFirst()) !== undefined;
}

export async function allow(store: Db, phone: string, source: string): Promise<void> {
  await store.db.insertInto('allowlist').values({ phone, source, added_at: new Date().toISOString() }).onConflict((oc) => oc.column('phone').doNothing()).execute();
}

export async function revoke(store: Db, phone: string): Promise<boolean> {
  const res = await store.db.deleteFrom('allowlist').where('phone', '=', phone).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

/** The sender's code still valid now, if any. */
export async function activeRequest(store: Db, phone: string, now: Date): Promise<PairingRow | undefined> {
  return store.db.selectFrom('pairing_requests').selectAll().where('phone', '=', phone).where('status', '=', 'pending').where('expires_at', '>', now.toISOString()).executeTakeFirst();
}

/** Requests still waiting for the operator. */
export async function pendingRequests(store: Db, now: Date): Promise<number> {
  const row = await store.db.selectFrom('pairing_requests').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'pending').where('expires_at', '>', now.toISOString()).executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Texts strangers made the number send since then: pairing codes and automatic answers (HELP). */
export async function strangerRepliesSince(store: Db, since: Date): Promise<number> {
  const codes = await store.db.selectFrom('pairing_requests').select((eb) => eb.fn.countAll<number>().as('n')).where('created_at', '>', since.toISOString()).executeTakeFirst();
  const answers = await store.db.selectFrom('auto_replies').select((eb) => eb.fn.countAll<number>().as('n')).where('stranger', '=', 1).where('sent_at', '>', since.toISOString()).executeTakeFirst();
  return Number(codes?.n ?? 0) + Number(answers?.n ?? 0);
}

export async function lastAutoReply(store: Db, phone: string, kind: string, since: Date): Promise<string | undefined> {
  const row = await store.db.selectFrom('auto_replies').select('sent_at').where('phone', '=', phone).where('kind', '=', kind).where('sent_at', '>', since.toISOString()).executeTakeFirst();
  return row?.sent_at;
}

export async function recordAutoReply(store: Db, row: { phone: string; kind: string; stranger: boolean; at: Date }): Promise<void> {
  await store.db.insertInto('auto_replies').values({ phone: row.phone, kind: row.kind, stranger: row.stranger ? 1 : 0, sent_at: row.at.toISOString() }).execute();
}

// Any fixed number: the PostgreSQL advisory lock that serialises decisions about texts to strangers.
const STRANGER_BUDGET_LOCK = 0x0c1a_5e17;

/**
 * Runs `work` alone among every process sharing the store, so counting the stranger budget and
 * spending it is one step: concurrent strangers cannot all see "one left" and all get a text. SQLite
 * serialises transactions on its one connection; PostgreSQL takes an advisory lock until the
 * transaction ends. `work` must use the transaction it is given, not the store.
 */
export function withStrangerBudget<T>(store: Store, work: (trx: Db) => Promise<T>): Promise<T> {
  return store.db.transaction().execute(async (trx: Kysely<Database>) => {
    if (store.dialect === 'postgres') await sql`SELECT pg_advisory_xact_lock(${STRANGER_BUDGET_LOCK})`.execute(trx);
    return work({ db: trx });
  });
}

export async function createRequest(store: Db, row: Omit<PairingRow, 'decided_at' | 'status'>): Promise<void> {
  await store.db.insertInto('pairing_requests').values({ ...row, status: 'pending', decided_at: null }).execute();
}

export async function findRequest(store: Db, code: string): Promise<PairingRow | undefined> {
  return store.db.selectFrom('pairing_requests').selectAll().where('code', '=', code.toUpperCase()).executeTakeFirst();
}

/** The database's clock (decisions from every machine are ordered on one clock: decisions-watch). */
const decidedNow = (store: Pick<Store, 'dialect'>) => sql<string>`${sql.raw(NOW_ISO[store.dialect])}`;

/** Moves a pending code to approved or rejected; false when it was no longer pending (decided before, or by another process). */
export async function decideRequest(store: Store, code: string, status: 'approved' | 'rejected'): Promise<boolean> {
  const res = await store.db.updateTable('pairing_requests').set({ status, decided_at: decidedNow(store) }).where('code', '=', code.toUpperCase()).where('status', '=', 'pending').executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/**
 * Approves a code still pending and unexpired and lets its sender in, in one transaction: a reject
 * committed first leaves the code rejected and the sender out (false), and an approved code always
 * has its sender on the allowlist.
 */
export function approveRequest(store: Store, code: string, now: Date): Promise<boolean> {
  return store.db.transaction().execute(async (trx) => {
    const approved = await trx
      .updateTable('pairing_requests')
      .set({ status: 'approved', decided_at: decidedNow(store) })
      .where('code', '=', code.toUpperCase())
      .where('status', '=', 'pending')
      .where('expires_at', '>', now.toISOString())
      .returning(['code', 'phone'])
      .executeTakeFirst();
    if (approved) await allow({ db: trx }, approved.phone, `pairing:${approved.code}`);
    return approved !== undefined;
  });
}

export async function listRequests(store: Db, now: Date): Promise<PairingRow[]> {
  return store.db.selectFrom('pairing_requests').selectAll().where('status', '=', 'pending').where('expires_at', '>', now.toISOString()).orderBy('created_at').execute();
}

export async function listAllowed(store: Db) {
  return store.db.selectFrom('allowlist').selectAll().orderBy('added_at').execute();
}
