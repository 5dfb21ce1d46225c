/** Pairing requests and the allowlist: who may talk to the agent under the "pairing" policy. */
import type { Store } from './open-store.js';
import type { PairingRequestsTable } from './tables.js';

export type PairingRow = PairingRequestsTable;

export async function isAllowed(store: Store, phone: string): Promise<boolean> {
  return (await store.db.selectFrom('allowlist').select('phone').where('phone', '=', phone).executeTakeFirst()) !== undefined;
}

export async function allow(store: Store, phone: string, source: string): Promise<void> {
  await store.db.insertInto('allowlist').values({ phone, source, added_at: new Date().toISOString() }).onConflict((oc) => oc.column('phone').doNothing()).execute();
}

export async function revoke(store: Store, phone: string): Promise<boolean> {
  const res = await store.db.deleteFrom('allowlist').where('phone', '=', phone).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

/** The sender's code still valid now, if any. */
export async function activeRequest(store: Store, phone: string, now: Date): Promise<PairingRow | undefined> {
  return store.db.selectFrom('pairing_requests').selectAll().where('phone', '=', phone).where('status', '=', 'pending').where('expires_at', '>', now.toISOString()).executeTakeFirst();
}

export async function codesIssuedSince(store: Store, since: Date): Promise<number> {
  const row = await store.db.selectFrom('pairing_requests').select((eb) => eb.fn.countAll<number>().as('n')).where('created_at', '>', since.toISOString()).executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function createRequest(store: Store, row: Omit<PairingRow, 'decided_at' | 'status'>): Promise<void> {
  await store.db.insertInto('pairing_requests').values({ ...row, status: 'pending', decided_at: null }).execute();
}

export async function findRequest(store: Store, code: string): Promise<PairingRow | undefined> {
  return store.db.selectFrom('pairing_requests').selectAll().where('code', '=', code.toUpperCase()).executeTakeFirst();
}

export async function decideRequest(store: Store, code: string, status: 'approved' | 'rejected'): Promise<boolean> {
  const res = await store.db.updateTable('pairing_requests').set({ status, decided_at: new Date().toISOString() }).where('code', '=', code.toUpperCase()).where('status', '=', 'pending').executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

export async function listRequests(store: Store, now: Date): Promise<PairingRow[]> {
  return store.db.selectFrom('pairing_requests').selectAll().where('status', '=', 'pending').where('expires_at', '>', now.toISOString()).orderBy('created_at').execute();
}

export async function listAllowed(store: Store) {
  return store.db.selectFrom('allowlist').selectAll().orderBy('added_at').execute();
}
