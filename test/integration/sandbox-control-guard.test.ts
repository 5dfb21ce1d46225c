/** The sandbox control API answers only this machine: loopback Host, no cross-origin requests (#16). */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';

let sb: Sandbox;
beforeAll(async () => {
  sb = await startSandbox({ port: 0 });
});
afterAll(() => sb.close());

/** A raw request, so Host, Origin and Sec-Fetch-Site are exactly what a browser or attacker would send. */
function request(method: string, path: string, headers: Record<string, string>, body = ''): Promise<{ status: number; text: string }> {
  const url = new URL(sb.baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method, path, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const port = () => new URL(sb.baseUrl).port;

describe('sandbox control API', () => {
  it('answers loopback hosts with any port: 127.0.0.1, localhost, [::1]', async () => {
    for (const host of [`127.0.0.1:${port()}`, `localhost:${port()}`, `[::1]:${port()}`, 'localhost', 'LOCALHOST:80']) {
      const res = await request('GET', '/sandbox/v1/account', { host });
      expect(res.status, host).toBe(200);
      expect(JSON.parse(res.text).authToken).toBe(sb.describe().authToken);
    }
  });

  it('refuses any other Host (DNS rebinding) without giving out the credentials', async () => {
    for (const host of ['evil.example', `evil.example:${port()}`, `127.0.0.1.evil.example:${port()}`, '10.0.0.5', 'localhost.evil.example']) {
      const res = await request('GET', '/sandbox/v1/account', { host });
      expect(res.status, host).toBe(403);
      expect(res.text).not.toContain(sb.describe().authToken);
      expect(res.text).toContain('loopback hosts');
    }
  });

  it('refuses a cross-origin POST and a cross-site fetch, and sends no text for them', async () => {
    const handset = encodeURIComponent('+15550009001');
    const number = sb.describe().numbers[0].phoneNumber;
    const body = new URLSearchParams({ To: number, Body: 'from a web page' }).toString();
    const host = `127.0.0.1:${port()}`;
    expect((await request('POST', `/sandbox/v1/handsets/${handset}/messages`, { host, origin: 'https://evil.example' }, body)).status).toBe(403);
    expect((await request('POST', `/sandbox/v1/handsets/${handset}/messages`, { host, origin: 'null' }, body)).status).toBe(403);
    expect((await request('POST', `/sandbox/v1/handsets/${handset}/messages`, { host, 'sec-fetch-site': 'cross-site' }, body)).status).toBe(403);
    expect((await request('GET', '/sandbox/v1/account', { host, origin: 'http://localhost.evil.example' })).status).toBe(403);
    const { accountSid, authToken } = sb.describe();
    const auth = 'Basic ' + Buffer.from(`${accountSid}:${authToken}`).toString('base64');
    const list = await request('GET', `/2010-04-01/Accounts/${accountSid}/Messages.json?PageSize=1000`, { host, authorization: auth });
    expect(JSON.parse(list.text).messages.filter((m: { body: string }) => m.body === 'from a web page')).toEqual([]);
    // A loopback origin (the operator's own tools) is fine.
    expect((await request('GET', '/sandbox/v1/account', { host, origin: `http://localhost:${port()}`, 'sec-fetch-site': 'same-origin' })).status).toBe(200);
  });

  it("leaves Twilio's API to its own authentication", async () => {
    const { accountSid, authToken } = sb.describe();
    const auth = 'Basic ' + Buffer.from(`${accountSid}:${authToken}`).toString('base64');
    const res = await request('GET', `/2010-04-01/Accounts/${accountSid}.json`, { host: 'api.twilio.com', authorization: auth });
    expect(res.status).toBe(200);
  });
});
