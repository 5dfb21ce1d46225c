/**
 * Incoming calls at serve.voicePath. The call is recorded; with voice.enabled false it is rejected,
 * else decided by the same inbound policy as texts; until the agent takes calls, an allowed caller hears that texts work, a stranger under the
 * pairing policy hears a pairing code, and anyone else is rejected without being answered. The call
 * flows (Gather, media streams) plug in here.
 */
import type { FastifyPluginAsync } from 'fastify';
import { recordCall } from '../../store/call-log.js';
import { appendEvent } from '../../store/events.js';
import type { StoredAnswer } from '../dedup.js';
import { paramsOf, useTwilioWebhookHooks } from '../hooks/twilio-webhook.js';
import { one, type InboundParams } from '../inbound-sms.js';
import { voiceResponse } from '../../twilio/twiml.js';
import type { RouteDeps } from './deps.js';

const xml = (body: string): StoredAnswer => ({ status: 200, type: 'text/xml', body });

/** "A C 3" rather than "AC3": a code is read out letter by letter. */
const spelled = (code: string) => code.split('').join(', ');

export async function answerCall(p: InboundParams, deps: RouteDeps): Promise<StoredAnswer> {
  const sid = one(p.CallSid);
  const from = one(p.From);
  await recordCall(deps.store, { sid, direction: 'inbound', from_number: from, to_number: one(p.To), status: one(p.CallStatus) || 'ringing', duration_seconds: null });
  await appendEvent(deps.store, 'call.inbound', sid, { from, to: one(p.To) });
  // voice.enabled false: no call is answered, whoever calls (rejected before answering, so not billed).
  if (!deps.config.voice.enabled) {
    deps.emit('call.in', { from, to: one(p.To), decision: 'voice-disabled' });
    return xml(voiceResponse({ reject: 'rejected' }));
  }
  const decision = await deps.inbound.policy.decideInbound(from, 'voice');
  deps.emit('call.in', { from, to: one(p.To), decision: decision.kind === 'ignore' ? decision.reason : decision.kind });
  if (decision.kind === 'agent') return xml(voiceResponse({ say: ['Sorry, this number answers text messages only for now. Please send a text.'], end: 'hangup' }));
  if (decision.kind === 'pairing-code') {
    deps.emit('pairing.request', { from, outcome: 'send-code' });
    return xml(voiceResponse({ say: [`Your pairing code is ${spelled(decision.code)}. Again: ${spelled(decision.code)}. Ask the operator to approve it.`], end: 'hangup' }));
  }
  return xml(voiceResponse({ reject: 'rejected' }));
}

export const voiceRoutes: FastifyPluginAsync<RouteDeps> = async (app, deps) => {
  useTwilioWebhookHooks(app, 'voice', deps);
  app.post(deps.config.serve.voicePath, async (req, reply) => {
    const answer = await answerCall(paramsOf(req), deps);
    return reply.code(answer.status).type(answer.type).send(answer.body);
  });
};
