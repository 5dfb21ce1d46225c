/** Inbound texts at serve.path: verified, de-duplicated, then handled (see inbound-sms.ts). */
import type { FastifyPluginAsync } from 'fastify';
import { paramsOf, useTwilioWebhookHooks } from '../hooks/twilio-webhook.js';
import { handleInboundSms, one } from '../inbound-sms.js';
import { answerCall } from './voice.js';
import type { RouteDeps } from './deps.js';

export const smsRoutes: FastifyPluginAsync<RouteDeps> = async (app, deps) => {
  useTwilioWebhookHooks(app, 'inbound', deps);
  app.post(deps.config.serve.path, async (req, reply) => {
    const p = paramsOf(req);
    // A number pointed here for calls too (as serve did before serve.voicePath): answered as the voice route would.
    const answer = p.CallSid && !one(p.MessageSid) && !one(p.SmsSid) ? await answerCall(p, deps) : await handleInboundSms(p, deps.inbound);
    return reply.code(answer.status).type(answer.type).send(answer.body);
  });
};
