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

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- listeners of different events take different arguments
type Wire = [Handset, string, (...args: any[]) => void];

/** Attaches listeners and returns the function that detaches them all. */
function wire(wires: Wire[]): () => void {
  for (const [emitter, event, fn] of wires) emitter.on(event, fn);
  return () => {
    for (const [emitter, event, fn] of wires) emitter.off(event, fn);
  };
}

export function bridgePeople(a: Handset, b: Handset): () => void {
  const forward = (from: Handset, to: Handset) => (input: Input) => {
    // The input went through the bridge; no Gather after the <Dial> should take it.
    from.dropPending();
    const heard = asHeard(input);
    to.startHearing(heard);
    to.endHearing(heard);
  };
  return wire([
    [a, 'did', forward(a, b)],
    [b, 'did', forward(b, a)],
    [a, 'hangup', () => b.hangup()],
    [b, 'hangup', () => a.hangup()],
  ]);
}

export function bridgeApps(a: Handset, b: Handset): () => void {
  const relay = (to: Handset) => (e: HearEvent) => {
    if (e.phase !== 'end' || e.cut) return;
    if (e.heard.kind === 'say' || e.heard.kind === 'speech') to.speak(e.heard.text);
    else if (e.heard.kind === 'digits') to.press(e.heard.digits);
  };
  return wire([
    [a, 'hear', relay(b)],
    [b, 'hear', relay(a)],
    [a, 'hangup', () => b.hangup()],
    [b, 'hangup', () => a.hangup()],
  ]);
}
