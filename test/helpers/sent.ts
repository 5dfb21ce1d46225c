/** What the sandbox has accepted, for exactly-once checks. */
import type { Sandbox } from '../../src/sandbox/server.js';

export async function sentMessages(sb: Sandbox): Promise<{ sid: string; to: string; body: string; status: string; from: string }[]> {
  const a = sb.describe();
  const auth = 'Basic ' + Buffer.from(`${a.accountSid}:${a.authToken}`).toString('base64');
  const out = [];
  let uri: string | null = `/2010-04-01/Accounts/${a.accountSid}/Messages.json?PageSize=1000`;
  for (let failures = 0; uri; ) {
    // A sandbox with injected faults answers this check with 429s and dropped connections too.
    const res = await fetch(`${sb.baseUrl}${uri}`, { headers: { authorization: auth } }).catch(() => undefined);
    if (!res || res.status !== 200) {
      if (++failures > 50) throw new Error(`the sandbox kept failing the Messages list (${res?.status ?? 'connection dropped'})`);
      continue;
    }
    const page: { messages: never[]; next_page_uri: string | null } = await res.json();
    out.push(...page.messages);
    uri = page.next_page_uri;
  }
  return (out as { direction: string }[]).filter((m) => m.direction !== 'inbound') as never;
}

/** Bodies that were sent more than once. */
export function duplicates(messages: { body: string; to: string }[]): string[] {
  const seen = new Map<string, number>();
  for (const m of messages) seen.set(`${m.to}|${m.body}`, (seen.get(`${m.to}|${m.body}`) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([k]) => k);
}

/** The most entries in any window of `windowMs` (sliding over the sorted times): a rate check. */
export function busiestWindow(times: number[], windowMs = 1000): number {
  const t = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while (t[i] - t[j] >= windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

/**
 * The most spans [admitted, answered] reaching into one window of `windowMs`: an API that records each
 * request somewhere within its span counts at most this many in any window of its clock.
 */
export function busiestSpans(spans: [number, number][], windowMs: number): number {
  // A busiest window can start where some span ends: moving its start later only drops spans.
  return Math.max(...spans.map(([, start]) => spans.filter(([admitted, answered]) => admitted < start + windowMs && answered >= start).length));
}
