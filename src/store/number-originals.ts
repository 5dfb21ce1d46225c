/**
 * A number pointed at serve by several instances sharing a store is given back as it was found by
 * the last of them to stop, and only by that one (trial G9). The first instance to point it records
 * the URLs it found (`recordOriginal`); stopping, each instance decides in one transaction, alone
 * among every process of the store (an advisory lock on PostgreSQL; SQLite serialises its writers), to
 * mark itself stopping and count the other live instances at its public URL not stopping yet: so of
 * two stopping at the same moment, the second to decide sees the first stopping and restores.
 */
import { sql } from 'kysely';
import type { Store } from './open-store.js';
import { INSTANCE_EXPIRY_MS } from './instances.js';
import { NOW_MS } from './statement.js';

// Any fixed number: the PostgreSQL advisory lock that serialises stopping instances' decisions.
const NUMBER_RESTORE_LOCK = 0x0c1a_5e22;

export interface OriginalUrls {
  smsUrl: string | null;
  voiceUrl: string | null;
  statusCallback: string | null;
}

/** Records the number's URLs as found, unless an instance recorded them first (its record is the original; one left by a crash too). */
export async function recordOriginal(store: Store, numberSid: string, urls: OriginalUrls): Promise<void> {
  const db = await store.queryBuilder();
  await db
    .insertInto('number_originals')
    .values({ number_sid: numberSid, sms_url: urls.smsUrl, voice_url: urls.voiceUrl, status_callback: urls.statusCallback, recorded_at: new Date().toISOString() })
    .onConflict((oc) => oc.column('number_sid').doNothing())
    .execute();
}

/**
 * Marks this instance stopping and, in the same transaction, counts the other live instances at
 * `publicUrl` that are not stopping; when there are none, also the number's recorded original URLs.
 */
export async function decideStop(store: Store, o: { instanceId: string; publicUrl: string; numberSid: string }): Promise<{ others: number; original?: OriginalUrls }> {
  const db = await store.queryBuilder();
  const now = sql.raw(NOW_MS[store.dialect]);
  return db.transaction().execute(async (trx) => {
    if (store.dialect === 'postgres') await sql`SELECT pg_advisory_xact_lock(${NUMBER_RESTORE_LOCK})`.execute(trx);
    await sql`UPDATE instances SET stopping_at = ${now} WHERE id = ${o.instanceId}`.execute(trx);
    const { rows } = await sql<{ n: number | string }>`SELECT COUNT(*) AS n FROM instances WHERE public_url = ${o.publicUrl} AND id <> ${o.instanceId} AND stopping_at IS NULL AND last_seen > ${now} - ${INSTANCE_EXPIRY_MS}`.execute(trx);
    // PostgreSQL returns COUNT(*) as text.
    const others = Number(rows[0]?.n ?? 0);
    if (others > 0) return { others };
    const row = await trx.selectFrom('number_originals').selectAll().where('number_sid', '=', o.numberSid).executeTakeFirst();
    return { others, original: row && { smsUrl: row.sms_url, voiceUrl: row.voice_url, statusCallback: row.status_callback } };
  });
}

/** The number was given back: the next instance to point it records what it finds then. */
export async function forgetOriginal(store: Store, numberSid: string): Promise<void> {
  const db = await store.queryBuilder();
  await db.deleteFrom('number_originals').where('number_sid', '=', numberSid).execute();
}
