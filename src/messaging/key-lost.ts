/** What a run does when Twilio accepted its message but the key's fence did not hold (see deliver.ts). */
import { UserError } from '../errors.js';
import { findKey } from '../store/idempotency.js';
import type { Store } from '../store/open-store.js';
import type { TwilioMessage } from '../twilio/messages-api.js';

/**
 * Twilio answered, but the key was no longer this run's to settle: it stalled past its fence and
 * another run took the key over. Fine if that run settled it with this very message; otherwise say so,
 * naming both messages, and never hide the SID.
 */
export async function keyLostAfterSend(store: Store, key: string, m: TwilioMessage, log: (outcome: string, extra?: Record<string, unknown>) => Promise<void>): Promise<void> {
  const row = await findKey(store, key);
  if (row?.state === 'settled' && row.sid === m.sid) return;
  await log('settle-lost', { sid: m.sid, owner: row?.owner ?? null, settledSid: row?.sid ?? null });
  const other = `another run (${row?.owner ?? 'unknown'}) took the key over${row?.sid ? ` and settled it with ${row.sid}` : ''}`;
  throw new UserError(`Message ${m.sid} went out under idempotency key "${key}", but this run had stalled past its lease and ${other}; the store does not record ${m.sid} for the key.`, {
    code: 'key_taken_over',
    hint: `See what the recipient got (messages get ${m.sid}${row?.sid ? ` and ${row.sid}` : ''}).`,
  });
}
