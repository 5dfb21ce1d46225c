/**
 * `<Connect><Stream>` (two-way: the verb lasts until the app closes the socket, then `action` or the
 * next verb), `<Start><Stream>` (one-way, runs beside the following verbs) and `<Stop><Stream>`.
 * Stream status callbacks post StreamEvent (stream-started, stream-stopped, stream-error).
 */
import { rfc2822 } from '../../ids.js';
import { recordNotification } from '../../notifications.js';
import { elementsOf, type XmlElement } from '../../xml.js';
import { CallAborted, whenAborted } from '../clock.js';
import { type Leg, resolveUrl, type VerbOutcome } from '../leg.js';
import type { Input } from '../line.js';
import { keepStreamAudio } from '../stream/stream-audio.js';
import { DROPPED_STREAM_ERROR, noteStreamFaultResults, noteStreamFaults, planStreamFaults } from '../stream/stream-faults.js';
import { StreamSession } from '../stream/stream-session.js';
import { addTimeline } from '../timeline.js';

const running = new WeakMap<object, StreamSession[]>();

function streamCallback(leg: Leg, el: XmlElement, session: StreamSession, event: string, error?: string): void {
  const url = el.attributes.statusCallback;
  if (!url) return;
  const params: Record<string, string> = {
    AccountSid: leg.ctx.account.sid,
    CallSid: leg.call.sid,
    StreamSid: session.streamSid,
    StreamName: el.attributes.name ?? session.streamSid,
    StreamEvent: event,
    Timestamp: rfc2822(new Date()),
  };
  if (error) params.StreamError = error;
  void leg.ctx.webhooks.send({ url: resolveUrl(leg, url), method: el.attributes.statusCallbackMethod ?? 'POST', params, kind: 'stream-status', relatedSid: leg.call.sid });
}

function tracksOf(verb: string, el: XmlElement): string[] {
  if (verb === 'Connect') return ['inbound'];
  const track = el.attributes.track ?? 'inbound_track';
  return track === 'both_tracks' ? ['inbound', 'outbound'] : [track.replace('_track', '')];
}

/** Opens one stream; undefined (with stream-error and a notification) when the app cannot be reached. */
async function openStream(leg: Leg, verb: string, el: XmlElement, consumesInput: boolean): Promise<StreamSession | undefined> {
  const customParameters = Object.fromEntries(elementsOf(el).filter((p) => p.name === 'Parameter').map((p) => [p.attributes.name ?? '', p.attributes.value ?? '']));
  const session = new StreamSession({
    url: el.attributes.url,
    name: el.attributes.name,
    accountSid: leg.ctx.account.sid,
    callSid: leg.call.sid,
    authToken: leg.ctx.account.authToken,
    tracks: tracksOf(verb, el),
    customParameters,
    faults: planStreamFaults(leg.ctx.faults),
    note: (text, detail) => addTimeline(leg.call, 'note', text, detail),
    playing: (on) => leg.line.appAudio(on),
    heardAudio: (ms, mark) => {
      const heard = { kind: 'audio' as const, ms, mark };
      leg.line.startHearing(heard);
      leg.line.endHearing(heard);
      addTimeline(leg.call, 'heard', `[app audio ${(ms / 1000).toFixed(2)} s${mark ? `, mark ${mark}` : ''}]`, { what: 'audio', ms, mark: mark ?? null });
    },
  });
  try {
    await session.open();
  } catch (err) {
    const message = `Stream ${el.attributes.url}: ${(err as Error).message}`;
    recordNotification(leg.ctx, { code: 31920, message }, { url: el.attributes.url, relatedSid: leg.call.sid });
    addTimeline(leg.call, 'error', `31920: ${message}`);
    streamCallback(leg, el, session, 'stream-error', message);
    return undefined;
  }
  addTimeline(leg.call, 'note', `stream ${session.streamSid} open to ${el.attributes.url}`, { streamSid: session.streamSid });
  noteStreamFaults(leg.call, session.streamSid, session.faults);
  streamCallback(leg, el, session, 'stream-started');
  const onInput = (input: Input) => {
    if (consumesInput) leg.line.dropPending();
    void session.callerInput(input);
  };
  leg.line.on('did', onInput);
  const list = running.get(leg.call) ?? [];
  running.set(leg.call, [...list, session]);
  const stopOnEnd = () => session.stop();
  leg.onEnd(stopOnEnd);
  void session.closed.then((by) => {
    leg.line.off('did', onInput);
    keepStreamAudio(leg.call.sid, session);
    addTimeline(leg.call, 'timing', `stream ${session.streamSid} closed by the ${by}`, { streamSid: session.streamSid, ...session.timingFacts() });
    noteStreamFaultResults(leg.call, session.streamSid, session.faults, by === 'fault');
    if (by === 'fault') streamCallback(leg, el, session, 'stream-error', DROPPED_STREAM_ERROR);
    else streamCallback(leg, el, session, 'stream-stopped');
  });
  return session;
}

export async function runConnect(leg: Leg, el: XmlElement, signal: AbortSignal): Promise<VerbOutcome> {
  const streamEl = elementsOf(el)[0];
  const session = streamEl ? await openStream(leg, 'Connect', streamEl, true) : undefined;
  if (session) {
    const how = await Promise.race([session.closed, whenAborted(signal)]);
    if (how === 'aborted') {
      session.stop();
      throw new CallAborted(String(signal.reason ?? 'aborted'));
    }
  }
  // The stream never reconnects: Twilio requests the Connect's action, else goes on to the next verb.
  if (!el.attributes.action) return undefined;
  return { url: resolveUrl(leg, el.attributes.action), method: el.attributes.method ?? 'POST', kind: 'connect-action' };
}

export async function runStart(leg: Leg, el: XmlElement): Promise<VerbOutcome> {
  for (const streamEl of elementsOf(el)) await openStream(leg, 'Start', streamEl, false);
  return undefined;
}

export function runStop(leg: Leg, el: XmlElement): VerbOutcome {
  const names = new Set(elementsOf(el).map((s) => s.attributes.name).filter(Boolean));
  const sessions = running.get(leg.call) ?? [];
  for (const s of sessions) if (names.size === 0 || names.has(s.streamSid) || [...names].some((n) => n === s.name)) s.stop();
  return undefined;
}
