/**
 * What the voice examples share: answering Twilio's form-encoded webhooks with TwiML, escaping outside
 * text for XML, and, once listening, pointing the sandbox's first number at the app. Nothing but Node.
 */
import { createServer } from 'node:http';

const sandboxUrl = (process.env.OPENCLAW_TELEPHONY_SANDBOX_URL ?? 'http://127.0.0.1:4010').replace(/\/+$/, '');

/** Text from the caller goes into XML: escape it, and drop characters XML 1.0 does not allow. */
export function xml(text) {
  return String(text)
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** An HTTP server answering each webhook with `answer(path, params)`, a TwiML string. */
export function twimlServer(answer) {
  return createServer((req, res) => {
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
}

/**
 * Listens on PORT (or a free port), sets the sandbox's first number's VoiceUrl to `<app>/voice` and
 * prints how to call it with `script`; `close` runs when the sandbox cannot be reached.
 */
export function listenAndRing(server, { name, script, close = () => server.close() }) {
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
      console.log(`${name} on ${appUrl}; ${number.phoneNumber} now rings it.`);
      console.log(`Call it: openclaw-telephony sandbox call --from +15550001234 --to ${number.phoneNumber} --script examples/voice/${script}`);
    } catch (err) {
      console.error(`Could not reach the sandbox at ${sandboxUrl} (${err.message}). Start it first: openclaw-telephony sandbox`);
      close();
      process.exitCode = 1;
    }
  });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => (close(), process.exit(0)));
}
