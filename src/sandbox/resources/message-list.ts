/**
 * The Messages list's filters as Twilio's API documents them (twilio_api_v2010.json, Messages list):
 * To, From, and DateSent / DateSent< / DateSent> on the message's sent date, in GMT days. A message
 * not sent yet (queued, accepted) has no sent date, so a DateSent filter leaves it out. The newest
 * message comes first. A `listlag` fault keeps a message out of every list for a while after it was
 * created, as Twilio's list is reported to lag behind its create answers.
 */
import type { FaultSpec } from '../faults.js';
import type { MessageRecord } from './messages.js';

export interface MessageListFilter {
  to: string | null;
  from: string | null;
  /** DateSent, DateSent<, DateSent>: YYYY-MM-DD. */
  sentOn: string | null;
  sentOnOrBefore: string | null;
  sentOnOrAfter: string | null;
}

export function messageListFilter(q: URLSearchParams): MessageListFilter {
  return { to: q.get('To'), from: q.get('From'), sentOn: q.get('DateSent'), sentOnOrBefore: q.get('DateSent<'), sentOnOrAfter: q.get('DateSent>') };
}

const gmtDayOf = (rfc: string | null) => (rfc ? new Date(rfc).toISOString().slice(0, 10) : null);

/** The messages the list shows, newest first (`all` is in creation order). */
export function listedMessages(all: MessageRecord[], f: MessageListFilter, faults: FaultSpec, now = Date.now()): MessageRecord[] {
  const dateFiltered = f.sentOn || f.sentOnOrBefore || f.sentOnOrAfter;
  const shown = all.filter((m) => {
    if (f.to && m.to !== f.to) return false;
    if (f.from && m.from !== f.from) return false;
    if (faults.listLagMs && now - Date.parse(m.date_created) < faults.listLagMs) return false;
    if (!dateFiltered) return true;
    const sentDay = gmtDayOf(m.date_sent);
    if (!sentDay) return false;
    if (f.sentOn && sentDay !== f.sentOn) return false;
    if (f.sentOnOrBefore && sentDay > f.sentOnOrBefore) return false;
    if (f.sentOnOrAfter && sentDay < f.sentOnOrAfter) return false;
    return true;
  });
  return shown.reverse();
}
