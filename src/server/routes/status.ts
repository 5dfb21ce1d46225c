/**
 * Status callbacks at serve.statusPath, routed by resource: a message's status moves its delivery
 * state forward (message-status.ts), a call's updates the calls table. Both are kept in the audit log.
 */
import type { FastifyPluginAsync } from 'fastify';
import { recordCall } from '../../store/call-log.js';
import { appendEvent } from '../../store/events.js';
import { paramsOf, useTwilioWebhookHooks } from '../hooks/twilio-webhook.js';
import { one } from '../inbound-sms.js';
import { statusCallbackLimitHook } from '../inbound-limits-http.js';
import { handleMessageStatus } from '../message-status.js';
import { messagingResponse } from '../../twilio/twiml.js';
import type { RouteDeps } from './deps.js';

export const statusRoutes: FastifyPluginAsync<RouteDeps> = async (app, deps) => {
  useTwilioWebhookHooks(app, 'status', deps, statusCallbackLimitHook(deps));
  app.post(deps.config.serve.statusPath, async (req, reply) => {
    const p = paramsOf(req);
    const messageSid = one(p.MessageSid) || one(p.SmsSid);
    const errorCode = Number(one(p.ErrorCode)) || null;
    if (messageSid) {
      await handleMessageStatus(p, deps);
    } else if (one(p.CallSid)) {
      const sid = one(p.CallSid);
      const status = one(p.CallStatus);
      const duration = Number(one(p.CallDuration));
      await recordCall(deps.store, { sid, direction: one(p.Direction) || 'inbound', from_number: one(p.From), to_number: one(p.To), status, duration_seconds: Number.isFinite(duration) && one(p.CallDuration) !== '' ? duration : null });
      await appendEvent(deps.store, 'call.status', sid, { status, errorCode });
      deps.emit('call.status', { sid, status, ...(errorCode ? { errorCode } : {}) });
    } else {
      deps.emit('status', { sid: '', status: 'unknown resource: neither MessageSid nor CallSid' });
    }
    return reply.code(200).type('text/xml').send(messagingResponse([]));
  });
};
