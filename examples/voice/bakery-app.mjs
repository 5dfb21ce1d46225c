#!/usr/bin/env node
/**
 * A small voice app for the sandbox: a bakery's phone menu. Run the sandbox first
 * (`openclaw telephony sandbox`), then `node examples/voice/bakery-app.mjs`: it listens on a free
 * port, points the sandbox's first number at itself, and prints the command that calls it with the
 * scripted caller in bakery.json5. It needs nothing but Node; a real app would also check
 * X-Twilio-Signature on every request (the product's `serve` does).
 */
import { createServer } from 'node:http';

const sandboxUrl = (process.env.OPENCLAW_TELEPHONY_SANDBOX_URL ?? 'http://127.0.0.1:4010').replace(/\/+$/, '');

/** Text from the caller goes into XML: escape it, and drop characters XML 1.0 does not allow. */
function xml(text) {
  return String(text)
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

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

const server = createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => {
    body += chunk;
    if (body.length > 64 * 1024) req.destroy();
  });
  req.on('end', () => {
    const url = new URL(req.url ?? '/', 'http://app');
    res.writeHead(200, { 'content-type': 'text/xml' });
    res.end(answer(url.pathname, new URLSearchParams(body)));
  });
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', async () => {
  const appUrl = `http://127.0.0.1:${server.address().port}`;
  try {
    const account = await (await fetch(`${sandboxUrl}/sandbox/v1/account`)).json();
    const number = account.numbers[0];
    const auth = 'Basic ' + Buffer.from(`${account.accountSid}:${account.authToken}`).toString('base64');
    const res = await fetch(`${sandboxUrl}/2010-04-01/Accounts/${account.accountSid}/IncomingPhoneNumbers/${number.sid}.json`, {
      method: 'POST',
      headers: { authorization: auth },
      body: new URLSearchParams({ VoiceUrl: `${appUrl}/voice` }),
    });
    if (!res.ok) throw new Error(`the sandbox answered ${res.status}`);
    console.log(`Bakery app on ${appUrl}; ${number.phoneNumber} now rings it.`);
    console.log(`Call it: openclaw telephony sandbox call --from +15550001234 --to ${number.phoneNumber} --script examples/voice/bakery.json5`);
  } catch (err) {
    console.error(`Could not reach the sandbox at ${sandboxUrl} (${err.message}). Start it first: openclaw telephony sandbox`);
    server.close();
    process.exitCode = 1;
  }
});

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
