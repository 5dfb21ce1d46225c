/**
 * A STOP that lands (on any instance) while a late reply goes out part by part ends the reply at serve,
 * before the next part's request, not only at Twilio, whose 21610 refusal depends on the account's
 * opt-out settings (deliverMessage's refuseBeforeRequest, asked once the part has its rate slot).
 */
import { UserError } from '../errors.js';
import type { Store } from '../store/open-store.js';
import { isOptedOut } from '../store/optouts.js';

export function refuseIfOptedOut(store: Store, to: string): () => Promise<Error | undefined> {
  return async () => ((await isOptedOut(store, to)) ? new UserError(`${to} opted out while this reply was going out: the rest of it is not sent.`, { code: 'opted_out' }) : undefined);
}
