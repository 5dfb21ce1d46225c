/** GET /2010-04-01/Accounts/{AccountSid}.json: what `auth login` verifies against. */
import type { SandboxContext } from '../context.js';
import type { Router } from '../http.js';

export function registerAccount(router: Router, ctx: SandboxContext): void {
  router.on('GET', '/2010-04-01/Accounts/:AccountSid.json', () => {
    const a = ctx.account;
    const base = `/2010-04-01/Accounts/${a.sid}`;
    return {
      status: 200,
      json: {
        auth_token: a.authToken,
        date_created: a.dateCreated,
        date_updated: a.dateCreated,
        friendly_name: a.friendlyName,
        owner_account_sid: a.sid,
        sid: a.sid,
        status: 'active',
        subresource_uris: {
          messages: `${base}/Messages.json`,
          calls: `${base}/Calls.json`,
          incoming_phone_numbers: `${base}/IncomingPhoneNumbers.json`,
          available_phone_numbers: `${base}/AvailablePhoneNumbers.json`,
          recordings: `${base}/Recordings.json`,
        },
        type: 'Full',
        uri: `${base}.json`,
      },
    };
  });
}
