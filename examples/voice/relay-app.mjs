#!/usr/bin/env node
/**
 * A small ConversationRelay app for the sandbox: the Open Claw bakery's order assistant. It talks in
 * text; Twilio (here the sandbox) does the speech. Run the sandbox first (`openclaw-telephony
 * sandbox`), then `node examples/voice/relay-app.mjs`: it serves its TwiML and its WebSocket on one
 * free port, points the sandbox's first number at itself, and prints the command that calls it with
 * the scripted caller in relay.json5. It needs Node and the `ws` package (installed with this
 * project). A real app would check X-Twilio-Signature on every request and on the WebSocket upgrade
 * (the product's `serve` does), and would hand the prompts to a language model instead of the few
 * rules below.
 */
import { WebSocketServer } from 'ws';
import { listenAndRing, twimlServer, xml } from './sandbox-app.mjs';

const GREETING = 'Hello, this is the Open Claw bakery assistant. What would you like to order?';
const HOURS = 'We are open from seven to six, every day but Monday.';
const CAKES =
  'Today we have a dark chocolate cake, a lemon tart, a plum crumble, carrot cake with walnuts, a cheesecake with berries, and, for the brave, a triple ginger loaf.';

/** One caller's conversation: rules where a real app would ask a language model. */
function converse(ws) {
  const order = [];
  let streaming; // the timer of the reply being streamed, token by token
  const send = (message) => ws.send(JSON.stringify(message));
  const stopReply = () => clearTimeout(streaming);
  // Stream the reply a word at a time, as a language model would; `last` closes it.
  const reply = (text) => {
    stopReply();
    const tokens = text.split(/(?<= )/);
    const next = (i) => {
      send({ type: 'text', token: tokens[i], last: i === tokens.length - 1 });
      if (i + 1 < tokens.length) streaming = setTimeout(() => next(i + 1), 20);
    };
    next(0);
  };
  const end = (reason) => {
    stopReply();
    send({ type: 'end', handoffData: JSON.stringify({ reason, order }) });
  };
  const onPrompt = (said) => {
    const text = said.toLowerCase();
    if (/\b(hours|open)\b/.test(text)) return reply(HOURS);
    if (/\b(cakes?|menu)\b/.test(text)) return reply(CAKES);
    if (/\b(person|human|someone)\b/.test(text)) return end('live-agent');
    if (/\b(that is all|that's all|nothing else|goodbye)\b/.test(text)) return end('order-complete');
    const item = said.replace(/^(i would like|i'd like|can i have|i want)( to order)?\s*/i, '').replace(/[\s,.]*please[.!]?$/i, '');
    order.push(item);
    reply(`${item}, noted. Anything else?`);
  };
  ws.on('message', (data) => {
    let msg;
    try {
      msg = JSON.parse(String(data));
    } catch {
      return;
    }
    if (msg.type === 'setup') console.log(`Call ${msg.callSid} from ${msg.from}`);
    if (msg.type === 'prompt' && msg.last) onPrompt(msg.voicePrompt);
    if (msg.type === 'dtmf' && msg.digit === '0') end('live-agent');
    if (msg.type === 'dtmf' && msg.digit === '1') reply(HOURS);
    // The caller talked over the reply: stop streaming it (a model's history would be cut at
    // msg.utteranceUntilInterrupt, what the caller actually heard).
    if (msg.type === 'interrupt') stopReply();
    if (msg.type === 'error') console.error(`ConversationRelay error: ${msg.description}`);
  });
  ws.on('close', stopReply);
}

/** The TwiML: the call talks to our WebSocket, then the Connect's action says how it ended. */
function answer(path, params) {
  const wsUrl = `ws://127.0.0.1:${server.address().port}/relay`;
  if (path === '/voice') {
    return `<Response>
  <Connect action="/handoff">
    <ConversationRelay url="${wsUrl}" welcomeGreeting="${GREETING}" dtmfDetection="true"/>
  </Connect>
</Response>`;
  }
  if (path === '/handoff') {
    let handoff = {};
    try {
      handoff = JSON.parse(params.get('HandoffData') ?? '{}');
    } catch {
      handoff = {};
    }
    const order = Array.isArray(handoff.order) && handoff.order.length ? handoff.order.join(' and ') : 'nothing';
    if (handoff.reason === 'order-complete') return `<Response><Say>Thank you. Your order of ${xml(order)} will be ready in ten minutes. Goodbye.</Say><Hangup/></Response>`;
    if (handoff.reason === 'live-agent') return '<Response><Say>Please hold, a baker will be with you shortly.</Say><Hangup/></Response>';
    return '<Response><Say>Sorry, our assistant is not available right now. Goodbye.</Say><Hangup/></Response>';
  }
  return '<Response><Hangup/></Response>';
}

const server = twimlServer(answer);
const sockets = new WebSocketServer({ server, path: '/relay' });
sockets.on('connection', converse);
listenAndRing(server, { name: 'Bakery assistant (ConversationRelay)', script: 'relay.json5', close: () => (sockets.close(), server.close()) });
