/** Which function carries out which verb. */
import { endCall } from '../call-status.js';
import type { Leg, VerbOutcome } from '../leg.js';
import { runConversationRelay } from '../relay/conversation-relay.js';
import { addTimeline } from '../timeline.js';
import { elementsOf, type XmlElement } from '../../xml.js';
import { runDial } from './dial.js';
import { runGather } from './gather.js';
import { runRecord } from './record.js';
import { runPause, runPlay, runSay } from './speak.js';
import { runConnect, runStart, runStop } from './stream.js';

/** <Reject> as the first verb leaves an inbound call unanswered (busy or no-answer); later it just hangs up. */
function runReject(leg: Leg, el: XmlElement): VerbOutcome {
  if (leg.call.status === 'ringing' || leg.call.status === 'queued') {
    const status = el.attributes.reason === 'busy' ? 'busy' : 'no-answer';
    addTimeline(leg.call, 'note', `rejected (${el.attributes.reason ?? 'rejected'})`);
    endCall(leg.ctx, leg.call, status);
  }
  return 'hangup';
}

export async function runVerb(leg: Leg, el: XmlElement, signal: AbortSignal): Promise<VerbOutcome> {
  switch (el.name) {
    case 'Say':
      await runSay(leg, el, signal);
      return undefined;
    case 'Play':
      await runPlay(leg, el, signal);
      return undefined;
    case 'Pause':
      await runPause(leg, el, signal);
      return undefined;
    case 'Gather':
      return runGather(leg, el, signal);
    case 'Record':
      return runRecord(leg, el, signal);
    case 'Dial':
      return runDial(leg, el, signal);
    case 'Connect': {
      const noun = elementsOf(el)[0];
      return noun?.name === 'ConversationRelay' ? runConversationRelay(leg, el, noun, signal) : runConnect(leg, el, signal);
    }
    case 'Start':
      return runStart(leg, el);
    case 'Stop':
      return runStop(leg, el);
    case 'Hangup':
      return 'hangup';
    case 'Reject':
      return runReject(leg, el);
    default:
      // checkVoiceTwiml refuses every other verb before a document runs.
      throw new Error(`no handler for <${el.name}>`);
  }
}
