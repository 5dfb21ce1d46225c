/**
 * Connecting two ends of a call. `bridgePeople` joins a caller and a dialled handset (<Dial> to a
 * phone): what one does, the other hears. `bridgeApps` joins two legs that each run TwiML (a call from
 * one sandbox number to another): what one app plays reaches the other app as the caller's speech or
 * keys. Either way a hang-up on one side hangs up the other. Both return the function that unjoins.
 */
import type { HearEvent, Heard, Handset, Input } from './line.js';

function asHeard(input: Input): Heard {
  return input.kind === 'dtmf' ? { kind: 'digits', digits: input.digits } : { kind: 'speech', text: input.text };
}

export function bridgePeople(a: Handset, b: Handset): () => void {
  const forward = (from: Handset, to: Handset) => (input: Input) => {
    // The input went through the bridge; no Gather after the <Dial> should take it.
    from.dropPending();
    const heard = asHeard(input);
    to.startHearing(heard);
    to.endHearing(heard);
  };
  const aToB = forward(a, b);
  const bToA = forward(b, a);
  const hangA = () => b.hangup();
  const hangB = () => a.hangup();
  a.on('did', aToB);
  b.on('did', bToA);
  a.once('hangup', hangA);
  b.once('hangup', hangB);
  return () => {
    a.off('did', aToB);
    b.off('did', bToA);
    b.off('hangup', hangB);
    a.off('hangup', hangA);
  };
}

export function bridgeApps(a: Handset, b: Handset): () => void {
  const relay = (to: Handset) => (e: HearEvent) => {
    if (e.phase !== 'end' || e.cut) return;
    if (e.heard.kind === 'say' || e.heard.kind === 'speech') to.speak(e.heard.text);
    else if (e.heard.kind === 'digits') to.press(e.heard.digits);
  };
  const aToB = relay(b);
  const bToA = relay(a);
  const hangA = () => b.hangup();
  const hangB = () => a.hangup();
  a.on('hear', aToB);
  b.on('hear', bToA);
  a.once('hangup', hangA);
  b.once('hangup', hangB);
  return () => {
    a.off('hear', aToB);
    b.off('hear', bToA);
    a.off('hangup', hangA);
    b.off('hangup', hangB);
  };
}
