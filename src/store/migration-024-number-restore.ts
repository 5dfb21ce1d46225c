/**
 * Migration 024: what serve instances sharing a store need to give a number back as they found it
 * when the last of them stops (trial G9: two stopped at the same moment each saw the other alive, and
 * neither restored it). `number_originals` holds a number's URLs as the first instance to point it
 * found them (a later instance finds its predecessor's URL there instead, so it could not restore the
 * original itself); `instances.stopping_at` marks an instance that has decided to stop (it still
 * answers the webhooks in flight, so it stays alive for every other purpose) and no longer counts
 * as one that still serves the number.
 */
import type { Kysely, Migration } from 'kysely';

export const migration024NumberRestore: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('number_originals')
      .ifNotExists()
      .addColumn('number_sid', 'text', (c) => c.primaryKey())
      .addColumn('sms_url', 'text')
      .addColumn('voice_url', 'text')
      .addColumn('status_callback', 'text')
      .addColumn('recorded_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.alterTable('instances').addColumn('stopping_at', 'bigint').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('instances').dropColumn('stopping_at').execute();
    await db.schema.dropTable('number_originals').ifExists().execute();
  },
};
