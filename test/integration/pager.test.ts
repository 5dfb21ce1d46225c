/** The one pager for Twilio list endpoints, against the sandbox's real paging. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listMessages, type TwilioMessage } from '../../src/twilio/messages-api.js';
import { listNumbers } from '../../src/twilio/numbers-api.js';
import { listAll } from '../../src/twilio/pager.js';
import { createRestClient, type RestClient } from '../../src/twilio/rest-client.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';

let ts: TestSandbox;
let client: RestClient;
const requested: string[] = [];

beforeAll(async () => {
  ts = await startTestSandbox();
  const { accountSid, authToken } = ts.info;
  const rest = createRestClient({ accountSid, username: accountSid, password: authToken, baseUrl: ts.sb.baseUrl });
  client = { ...rest, request: (method, path, opts) => (requested.push(path), rest.request(method, path, opts)) };
  for (let i = 0; i < 5; i++) await ts.client.messages.create({ to: `+1555000710${i}`, from: ts.number, body: `page test ${i}` });
});
afterAll(async () => {
  await client.close();
  await ts.close();
});

describe('the pager', () => {
  it('follows next_page_uri to the end of the list', async () => {
    requested.length = 0;
    const all = await listAll<TwilioMessage>(client, 'Messages.json', 'messages', { pageSize: 2 });
    expect(all.map((m) => m.to).sort()).toEqual(['+15550007100', '+15550007101', '+15550007102', '+15550007103', '+15550007104']);
    expect(requested).toHaveLength(3);
  });

  it('stops at the limit without asking for more pages', async () => {
    requested.length = 0;
    expect(await listAll<TwilioMessage>(client, 'Messages.json', 'messages', { pageSize: 2, limit: 3 })).toHaveLength(3);
    expect(requested).toHaveLength(2);
    requested.length = 0;
    expect(await listMessages(client, { limit: 4 })).toHaveLength(4);
    expect(requested).toHaveLength(1);
  });

  it('serves the numbers list too', async () => {
    expect((await listNumbers(client)).map((n) => n.phone_number)).toContain(ts.number);
  });
});
