/**
 * Carries out the TwiML a messaging webhook answered with: each <Message> becomes an outbound
 * message from the number (to the handset unless it says otherwise); <Redirect> fetches more TwiML,
 * signed, with the same parameters. Unreadable TwiML is recorded as Twilio's error 12100.
 */
import type { SandboxContext } from './context.js';
import { recordNotification } from './notifications.js';
import { createOutboundMessage } from './resources/messages.js';
import { MAX_TWIML_DOCUMENTS, MESSAGING_DOCUMENT_LIMIT } from './twiml-limits.js';
import { elementsOf, parseXml, textOf, type XmlElement } from './xml.js';

export interface TwimlRun {
  url: string;
  params: Record<string, string>;
  /** The account's number the conversation is on. */
  number: string;
  handset: string;
}

export interface TwimlProblem {
  code: number;
  message: string;
}

export async function runMessagingTwiml(ctx: SandboxContext, twiml: string, run: TwimlRun, depth = 0): Promise<TwimlProblem | undefined> {
  if (!twiml.trim()) return undefined;
  let root: XmlElement;
  try {
    root = parseXml(twiml);
  } catch (err) {
    return recordProblem(ctx, run, { code: 12100, message: `Document parse failure: ${(err as Error).message}` });
  }
  if (root.name !== 'Response') return recordProblem(ctx, run, { code: 12100, message: `The root element is <${root.name}>, not <Response>` });
  for (const verb of elementsOf(root)) {
    if (verb.name === 'Message') {
      const children = elementsOf(verb);
      const bodyEl = children.find((c) => c.name === 'Body');
      const body = bodyEl ? textOf(bodyEl) : children.length ? '' : textOf(verb);
      const media = children.filter((c) => c.name === 'Media').map(textOf);
      try {
        createOutboundMessage(ctx, {
          to: verb.attributes.to ?? run.handset,
          from: verb.attributes.from ?? run.number,
          body,
          media,
          statusCallback: verb.attributes.statusCallback ?? verb.attributes.action ?? null,
          statusCallbackMethod: verb.attributes.method ?? null,
          direction: 'outbound-reply',
        });
      } catch (err) {
        recordProblem(ctx, run, { code: (err as { code?: number }).code ?? 14101, message: (err as Error).message });
      }
    } else if (verb.name === 'Redirect') {
      // depth counts the documents already fetched after the first.
      if (depth + 1 >= MAX_TWIML_DOCUMENTS) return recordProblem(ctx, run, MESSAGING_DOCUMENT_LIMIT);
      const target = new URL(textOf(verb), run.url).toString();
      const delivery = await ctx.webhooks.send({ url: target, method: verb.attributes.method ?? 'POST', params: run.params, kind: 'sms-redirect' });
      if (delivery.ok && delivery.body) return runMessagingTwiml(ctx, delivery.body, { ...run, url: target }, depth + 1);
      return undefined;
    } else {
      recordProblem(ctx, run, { code: 12200, message: `<${verb.name}> is not a messaging TwiML verb` });
    }
  }
  return undefined;
}

function recordProblem(ctx: SandboxContext, run: TwimlRun, problem: TwimlProblem): TwimlProblem {
  return recordNotification(ctx, problem, { url: run.url });
}
