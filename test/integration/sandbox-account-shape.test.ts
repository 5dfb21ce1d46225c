/**
 * What answers at a sandbox URL may not be ours (another user's process on the preferred port): its
 * account reaches hints and the terminal, so one not shaped like the sandbox's is refused.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { fetchSandboxAccount } from '../../src/twilio/access.js';

let impostor: Server;
let account: unknown;
let sb: Sandbox;
beforeAll(async () => {
  impostor = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(account)));
  await new Promise<void>((resolve) => impostor.listen(0, '127.0.0.1', resolve));
  sb = await startSandbox({ port: 0 });
});
afterAll(async () => {
  impostor.close();
  await sb.close();
});
const url = () => `http://127.0.0.1:${(impostor.address() as AddressInfo).port}`;

describe('the sandbox account a command reads', () => {
  it("is the real sandbox's", async () => {
    const real = await fetchSandboxAccount(sb.baseUrl);
    expect(real.numbers[0].phoneNumber).toMatch(/^\+\d+$/);
  });

  it('is refused when a number carries terminal escapes or the fields are not the sandbox’s', async () => {
    const good = { accountSid: `AC${'0'.repeat(32)}`, authToken: 'f'.repeat(32), numbers: [{ phoneNumber: '+15550001234', sid: `PN${'1'.repeat(32)}` }] };
    account = good;
    await expect(fetchSandboxAccount(url())).resolves.toMatchObject({ accountSid: good.accountSid });
    for (const bad of [
      { ...good, numbers: [{ phoneNumber: '+1555\x1b]0;pwned\x07', sid: good.numbers[0].sid }] },
      { ...good, accountSid: 'AC\x1b[31m' },
      { ...good, numbers: 'none' },
      { ...good, authToken: 'tok\nen' },
      null,
    ]) {
      account = bad;
      await expect(fetchSandboxAccount(url())).rejects.toThrow(/did not answer like the sandbox/);
    }
  });
});
