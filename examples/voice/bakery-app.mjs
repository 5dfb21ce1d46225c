#!/usr/bin/env node
/**
 * A small voice app for the sandbox: a bakery's phone menu. Run the sandbox first
 * (`openclaw-telephony sandbox`), then `node examples/voice/bakery-app.mjs`: it listens on a free
 * port, points the sandbox's first number at itself, and prints the command that calls it with the
 * scripted caller in bakery.json5. It needs nothing but Node; a real app would also check
 * X-Twilio-Signature on every request (the product's `serve` does).
 */
import { listenAndRing, twimlServer, xml } from './sandbox-app.mjs';

function answer(path, params) {
  if (path === '/voice') {
    return `<Response>
  <Gather input="dtmf speech" numDigits="1" action="/menu" timeout="5">
    <Say>Welcome to the Open Claw bakery. Press 1 for our opening hours, or say what you would like to order.</Say>
  </Gather>
  <Say>We did not get that. Goodbye.</Say>
</Response>`;
  }
  if (path === '/menu' && params.get('Digits') === '1') {
    return '<Response><Say>We are open from seven to six, every day but Monday.</Say><Redirect>/voice</Redirect></Response>';
  }
  if (path === '/menu' && params.get('SpeechResult')) {
    return `<Response><Say>One ${xml(params.get('SpeechResult'))}, coming up. It will be ready in ten minutes. Goodbye.</Say><Hangup/></Response>`;
  }
  return '<Response><Say>Sorry, I did not understand.</Say><Redirect>/voice</Redirect></Response>';
}

listenAndRing(twimlServer(answer), { name: 'Bakery app', script: 'bakery.json5' });
