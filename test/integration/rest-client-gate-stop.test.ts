/**
 * A stop (Ctrl-C, SIGTERM) that comes while a request waits for the account's API slot: the request is
 * "not made, stopped" (the batch counts its row as not started), never "the store could not be read",
 * whatever error the gate's wait ends with. Found by a trial: the row was reported failed with
 * api_slots_unavailable and the operator sent to check a healthy store.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestNotMadeError } from '../../src/errors.js';
import { createRestClient } from '../../src/twilio/rest-client.js';

let server: http.Server;
let baseUrl: string;
let requests = 0;
beforeAll(async () => {
  server = http.createServer((_req, res) => {
    requests++;
    res.writeHead(201, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));

describe('a stop while waiting for an API slot', () => {
  it('is a request not made because of the stop, and nothing reaches the server', async () => {
    // The gate's wait ends as a store statement interrupted by the stop would: with a plain error.
    const gate = {
      enter: (signal?: AbortSignal) => new Promise<() => void>((_resolve, reject) => signal?.addEventListener('abort', () => reject(new Error('This operation was aborted')))),
      close: async () => undefined,
    };
    const client = createRestClient({ accountSid: 'AC' + '0'.repeat(32), username: 'AC' + '0'.repeat(32), password: 'secret-token', baseUrl, gate });
    const stop = new AbortController();
    const made = client.request('POST', 'Messages.json', { body: { To: '+15550001111', Body: 'x' }, signal: stop.signal });
    stop.abort();
    const err = await made.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RequestNotMadeError);
    expect(err).toMatchObject({ stopped: true, code: 'not_started' });
    expect(requests).toBe(0);
    await client.close();
  });
});
