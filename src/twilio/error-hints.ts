/**
 * What to do about a Twilio error code. Used for API errors (`send` refused), for the error code of a
 * message that failed later (status callbacks, `messages list`, the dashboard, `doctor --probe`), and
 * for each row of a batch. In the US, A2P 10DLC registration and toll-free verification are the
 * usual reason texts are accepted by the API but never delivered, so those codes say exactly where
 * to look.
 */
import { hintCommand } from '../command-prefix.js';

const A2P = 'https://console.twilio.com/us1/develop/sms/regulatory-compliance/a2p-10dlc-overview';
const TOLL_FREE = 'https://console.twilio.com/us1/develop/sms/regulatory-compliance/toll-free-verifications';

const HINTS: Record<number, string> = {
  11200: 'Twilio could not fetch a URL of yours. For a webhook: check the number\'s "A message comes in" URL and method (POST), that `serve` is running and its public URL or tunnel is up; `openclaw telephony doctor --probe` compares them. For MMS media: the MediaUrl must answer a plain GET (no login) with 200; a local file\'s URL works only while the serve that announced it runs, for sms.mediaTtlMinutes.',
  12300: 'Twilio refused the Content-Type of a URL: MMS media must be served as a type Twilio accepts (image/jpeg, image/png, image/gif, audio, video, vCard, PDF...) and match what the file is; fix the server\'s Content-Type, or send the file with --media ./file so serve gives it the right one.',
  20003: 'Check the Account SID and Auth Token (or API key and secret): `openclaw telephony auth status` shows where each comes from.',
  20404: 'The resource does not exist in this account: check the SID and the account.',
  20429: 'Too many requests: slow down (see --rate) and retry later.',
  21211: 'The To number is not a valid phone number: use E.164, for example +15550005678.',
  21408: 'Sending to this region is not enabled: turn it on in the Twilio console under Messaging > Geo permissions.',
  21604: 'A To number is required.',
  21422: 'The number cannot be bought: it is already one of this account\'s numbers (`openclaw telephony numbers list` shows them), or it is not available (any more): `openclaw telephony numbers search` finds ones that are.',
  21606: 'The From number does not belong to this account: list yours with `openclaw telephony numbers list`.',
  21608: 'A trial account can only text numbers verified in the console (Phone Numbers > Verified Caller IDs): verify this one, or upgrade the account.',
  21610: 'The recipient has opted out (replied STOP); they must reply START before you can message them again.',
  21612: 'This number cannot receive texts from this sender (a landline, or a route Twilio does not have): try another number or sender.',
  21614: 'The To number is not a mobile number and cannot receive texts.',
  30003: 'The handset is off or out of coverage: try again later.',
  30005: 'The number does not exist or is no longer in service: check it with the recipient.',
  30006: 'A landline or a carrier that cannot receive texts: use another number.',
  30007: 'A carrier filtered the message as spam or unregistered traffic: register the sender (US: A2P 10DLC or toll-free verification), avoid URL shorteners and bulk-looking content, and keep to the opted-in recipients.',
  30008: 'The carrier gave no reason: retry once later; if it keeps failing, contact Twilio support with the message SID.',
  30019: 'The media is over the size limit: Twilio sends at most 5 MB of JPEG, PNG or GIF images per message and 500 KB of any other type; make it smaller or send a link instead.',
  30022: 'Over the A2P 10DLC throughput of your campaign: lower --rate or sms.rate, or ask for a higher campaign tier.',
  30023: 'The daily message cap of your A2P 10DLC brand was reached: wait until tomorrow or raise the brand\'s tier.',
  30027: 'T-Mobile\'s daily limit for your A2P 10DLC brand was reached: wait until tomorrow or raise the brand\'s tier.',
  30032: `The toll-free number is not verified: submit (or finish) toll-free verification in the console (${TOLL_FREE}); US texts from it are blocked until it is approved.`,
  30034: `The US 10DLC number is not registered for A2P: register a brand and campaign and add the number to the campaign's Messaging Service sender pool (${A2P}), or send with that Messaging Service (--messaging-service MG...).`,
  30035: 'The number\'s A2P 10DLC registration is still in progress (or being moved): wait until its status is REGISTERED, then send again.',
  30909: `The A2P campaign was rejected: its call to action or opt-in flow is incomplete or cannot be verified. Describe every opt-in path with public evidence (screenshots, URL), then resubmit (${A2P}).`,
  30923: `The A2P campaign was rejected: consent is required as a condition of service or bundled with the terms. Make opting in to texts voluntary and separate, then resubmit (${A2P}).`,
  30893: `The A2P campaign was rejected: its sample messages do not match the declared use case. Write samples that are the texts you will really send, then resubmit (${A2P}).`,
};

export function twilioHint(code: number | null | undefined): string | undefined {
  // The hints name commands in one form; say them as they are typed on this machine.
  // The commands a hint names keep the flags the user typed (--sandbox, --config, --profile).
  return code ? HINTS[code]?.replace(/`openclaw telephony ([^`]*)`/g, (_, rest: string) => `\`${hintCommand(rest)}\``) : undefined;
}

/** The error codes with a hint, for the sandbox's fault injection and tests. */
export const HINTED_CODES: readonly number[] = Object.keys(HINTS).map(Number);
