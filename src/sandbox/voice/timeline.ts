/**
 * A call's timeline: what the caller heard, what the caller did, every webhook with its answer, and
 * the status changes, in order, with milliseconds since the call was created. Kept on the call record
 * (bounded) so it survives with `--data` and can be read after the call ended.
 */
/** `relay`: what passed on a ConversationRelay socket (setup, prompt, interrupt, dtmf, the app's play, end...). */
export type TimelineKind = 'status' | 'heard' | 'did' | 'webhook' | 'twiml' | 'error' | 'note' | 'timing' | 'fault' | 'relay';

export interface TimelineEntry {
  /** Milliseconds since the call was created. */
  t: number;
  at: string;
  kind: TimelineKind;
  /** Which party: `caller` (the handset side) or `app`. */
  text: string;
  [detail: string]: unknown;
}

export const MAX_TIMELINE_ENTRIES = 2000;

export interface HasTimeline {
  _createdMs: number;
  _timeline: TimelineEntry[];
}

export function addTimeline(call: HasTimeline, kind: TimelineKind, text: string, detail: Record<string, unknown> = {}): TimelineEntry {
  const now = Date.now();
  const entry: TimelineEntry = { t: now - call._createdMs, at: new Date(now).toISOString(), kind, text, ...detail };
  call._timeline.push(entry);
  if (call._timeline.length > MAX_TIMELINE_ENTRIES) call._timeline.splice(0, call._timeline.length - MAX_TIMELINE_ENTRIES);
  return entry;
}
