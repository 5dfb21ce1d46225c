/**
 * Twilio reports application problems (unreachable webhooks, bad TwiML, loops) as debugger
 * notifications; the sandbox keeps them and lists them at /sandbox/v1/notifications.
 */
import type { SandboxContext } from './context.js';
import { newSid } from './ids.js';

export interface Problem {
  code: number;
  message: string;
}

export interface NotificationRecord extends Problem {
  sid: string;
  url: string | null;
  /** The call or message the problem belongs to. */
  relatedSid?: string;
  /** The HTTP method of the request that failed, for webhook errors (11200). */
  method?: string;
  at: string;
}

export function recordNotification(ctx: SandboxContext, problem: Problem, where: { url: string | null; relatedSid?: string; method?: string }): Problem {
  const record: NotificationRecord = { sid: newSid('NO'), url: where.url, relatedSid: where.relatedSid, method: where.method, code: problem.code, message: problem.message, at: new Date().toISOString() };
  ctx.store.put('notification', record);
  return problem;
}
