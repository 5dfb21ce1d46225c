/**
 * `<Connect><ConversationRelay>`: the call talks with the app over a ConversationRelay session
 * (relay-session.ts) until the app sends `end`, the app's socket closes or the call ends. Then, as
 * Twilio does, the `<Connect action>` URL is requested with the call's fields and SessionId,
 * SessionStatus, SessionDuration, HandoffData (from `end`) and, for a failed session, ErrorCode and
 * ErrorMessage; without an action the next verb runs.
 */
import type { XmlElement } from '../../xml.js';
import { type Leg, resolveUrl, type VerbOutcome } from '../leg.js';
import { addTimeline } from '../timeline.js';
import { RelaySession } from './relay-session.js';
import { relaySettingsOf } from './relay-twiml.js';

export async function runConversationRelay(leg: Leg, connect: XmlElement, relay: XmlElement, signal: AbortSignal): Promise<VerbOutcome> {
  const session = new RelaySession(leg, relaySettingsOf(relay));
  const outcome = await session.run(signal);
  const params: Record<string, string> = {
    SessionId: session.sessionId,
    SessionStatus: outcome.status,
    SessionDuration: String(outcome.durationS),
  };
  if (outcome.handoffData !== undefined) params.HandoffData = outcome.handoffData;
  if (outcome.error) Object.assign(params, { ErrorCode: String(outcome.error.code), ErrorMessage: outcome.error.message });
  addTimeline(leg.call, 'relay', `session ${session.sessionId} ${outcome.status}${outcome.handoffData !== undefined ? ' with handoffData' : ''}`, { relay: 'session-end', ...params });
  if (!connect.attributes.action) return undefined;
  return { url: resolveUrl(leg, connect.attributes.action), method: connect.attributes.method ?? 'POST', params, kind: 'connect-action' };
}
