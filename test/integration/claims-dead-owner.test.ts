/**
 * A claim whose owner was killed (kill -9) while its lease still runs: when its owner id proves it ran
 * on this machine (on SQLite, one file of one machine, its host name; on PostgreSQL, shared by machines
 * that may share a host name, the kernel's boot id in it) and its process is gone, its keys are taken
 * over at once, reconciled against Twilio's list before anything is sent, and of several runs taking
 * over the same key one gets it. An owner of another machine, or on PostgreSQL an id without the boot
 * id (written before it existed), keeps its lease.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { deliverMessage, messageFingerprint } from '../../src/messaging/deliver.js';
import { createRateLimiter } from '../../src/messaging/rate-limiter.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { createClaimOwner, newOwnerId } from '../../src/store/claims.js';
import { claimNewKey, findKey, startRequest } from '../../src/store/idempotency.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { ownerIsGoneFromThisMachine } from '../../src/store/owner-id.js';
import { statement } from '../../src/store/statement.js';
import { createMessage } from '../../src/twilio/messages-api.js';
import { createRestClient, type RestClient } from '../../src/twilio/rest-client.js';
import { REPO } from '../helpers/cli.js';
import { sentMessages } from '../helpers/sent.js';
import { requirePgInCi, storeKinds } from '../helpers/stores.js';

requirePgInCi();

let sb: Sandbox;
let from: string;
let client: RestClient;

beforeAll(async () => {
  sb = await startSandbox({ port: 0, deliveryDelayMs: 10, rates: { longcode: 1000 } });
  from = sb.describe().numbers[0].phoneNumber;
  const { accountSid, authToken } = sb.describe();
  client = createRestClient({ accountSid, username: accountSid, password: authToken, baseUrl: sb.baseUrl });
});
afterAll(async () => {
  await client.close();
  await sb.close();
});

// Claims `keys` in a process of its own under a 10-minute lease (so only its death, never the lease
// running out, can free them within this test), optionally sends the first key's message to the
// sandbox as a run would just before it is killed, then waits to be killed.
const CHILD = `
const [repo, url, keysJson, sandboxJson] = process.argv.slice(1);
const { openStore } = await import(repo + '/dist/store/open-store.js');
const { claimNewKey, startRequest } = await import(repo + '/dist/store/idempotency.js');
const { newOwnerId } = await import(repo + '/dist/store/claims.js');
const store = await openStore(url, { queryBuilder: false });
const owner = newOwnerId();
for (const k of JSON.parse(keysJson)) await claimNewKey(store, k, owner, 600000);
const sandbox = JSON.parse(sandboxJson);
if (sandbox) {
  // As deliver.ts does: the request is marked made (requested_at) before it leaves, so whoever takes
  // the key over knows to look in Twilio's list first.
  await startRequest(store, JSON.parse(keysJson)[0].key, owner, 600000);
  const m = JSON.parse(keysJson)[0].request;
  const res = await fetch(sandbox.url, { method: 'POST', headers: { authorization: sandbox.auth, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ To: m.to, From: m.from, Body: m.body }) });
  if (res.status !== 201) throw new Error('the sandbox did not accept: ' + res.status);
}
process.stdout.write(JSON.stringify({ owner }) + '\\n');
setInterval(() => {}, 60000);
`;

interface Msg {
  key: string;
  to: string;
  from: string;
  body: string;
}

const claimRequest = (m: Msg) => {
  const request = { to: m.to, from: m.from, body: m.body, media: [] };
  return { key: m.key, requestKey: m.key, scope: 'sms', request, fingerprint: messageFingerprint(request) };
};

/** Runs CHILD, kills it with SIGKILL once its claims (and send) are done; resolves with its owner id. */
function claimThenDie(url: string, msgs: Msg[], sendFirst: boolean): Promise<string> {
  const a = sb.describe();
  const sandbox = sendFirst ? { url: `${sb.baseUrl}/2010-04-01/Accounts/${a.accountSid}/Messages.json`, auth: 'Basic ' + Buffer.from(`${a.accountSid}:${a.authToken}`).toString('base64') } : null;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD, REPO, url, JSON.stringify(msgs.map(claimRequest)), JSON.stringify(sandbox)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d) => {
      out += d;
      if (out.endsWith('\n')) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve(JSON.parse(out).owner) : reject(new Error(`the claiming process ended with ${code}: ${err}`))));
  });
}

const deps = (store: Store, claims = createClaimOwner(store)) => ({ store, client, claims, limiter: createRateLimiter(1000), logger: silentLogger, busyWaitMs: 0 });
const sentTo = async (to: string) => (await sentMessages(sb)).filter((m) => m.to === to);

describe.each(storeKinds)('a dead owner of this machine on $name', (kind) => {
  // On PostgreSQL only where an owner id carries the machine's boot id (Linux); elsewhere its lease decides.
  it.skipIf(kind.skip || (kind.name === 'postgres' && process.platform !== 'linux'))("a kill -9'd owner's claim is taken over at once, though its lease runs for minutes, and reconciled from Twilio's list: never resent", async () => {
    const url = kind.url();
    const msg: Msg = { key: 'dead-sent', to: `+1555710${kind.name === 'sqlite' ? '0001' : '0002'}`, from, body: `sent just before its run was killed (${kind.name})` };
    const deadOwner = await claimThenDie(await url, [msg], true);
    const store = await openStore(await url);
    const claims = createClaimOwner(store);
    try {
      const row = await findKey(store, msg.key);
      expect(row).toMatchObject({ owner: deadOwner, state: 'pending' });
      expect(row!.lease_until! - row!.db_now).toBeGreaterThan(60_000); // the lease alone would hold it for minutes
      const [sent] = await sentTo(msg.to);
      const result = await deliverMessage(msg, deps(store, claims));
      expect(result).toMatchObject({ sid: sent.sid, deduplicated: true });
      expect(await findKey(store, msg.key)).toMatchObject({ state: 'settled', sid: sent.sid, owner: claims.id });
      expect(await sentTo(msg.to)).toHaveLength(1);
    } finally {
      await claims.close();
      await store.close();
    }
  });

  it.skipIf(kind.skip || (kind.name === 'postgres' && process.platform !== 'linux'))("two runs racing to take over a dead owner's claims send each message once", async () => {
    const url = await kind.url();
    const msgs: Msg[] = Array.from({ length: 20 }, (_, i) => ({ key: `dead-race-${i}`, to: `+155571${String(1000 + i)}`, from, body: `never sent before its run died (${kind.name}) ${i}` }));
    await claimThenDie(url, msgs, false);
    const [storeA, storeB] = [await openStore(url), await openStore(url)];
    const [a, b] = [createClaimOwner(storeA), createClaimOwner(storeB)];
    try {
      const outcomes = await Promise.all(
        msgs.flatMap((m) => [deps(storeA, a), deps(storeB, b)].map((d) => deliverMessage(m, d).then((r) => (r.deduplicated ? 'settled by the other' : 'sent'), (err: Error) => err.name))),
      );
      // Each key: one run took it over and sent; the other found it held by that (live) run, or already settled.
      for (let i = 0; i < msgs.length; i++) {
        const pair = outcomes.slice(2 * i, 2 * i + 2);
        expect(pair.filter((o) => o === 'sent'), pair.join()).toHaveLength(1);
        expect(['KeyInFlightError', 'settled by the other']).toContain(pair.find((o) => o !== 'sent'));
      }
      const sent = (await sentMessages(sb)).filter((m) => m.body.startsWith(`never sent before its run died (${kind.name})`));
      expect(sent).toHaveLength(msgs.length);
      expect(new Set(sent.map((m) => m.body)).size).toBe(msgs.length);
    } finally {
      await Promise.all([a.close(), b.close()]);
      await Promise.all([storeA.close(), storeB.close()]);
    }
  });

});

/** The pid of a process that has just exited. */
const deadPid = () =>
  new Promise<number>((resolve) => {
    const child = spawn(process.execPath, ['-e', '0']);
    child.on('exit', () => resolve(child.pid!));
  });
/** This process's owner id split up: host part (host name, boot id on Linux), pid, random part. */
const partsOf = (id: string) => {
  const m = /^(.+):(\d+):([0-9a-f]+)$/.exec(id)!;
  return { hostPart: m[1], hostName: m[1].split('/')[0], random: m[3] };
};

describe('which owners are gone from this machine', () => {
  it('one that names this machine and a pid that no process has; on a shared store only with its boot id', async () => {
    const { hostPart, hostName, random } = partsOf(newOwnerId());
    const [dead, pid] = [await deadPid(), process.pid];
    for (const storeOnThisMachineOnly of [true, false]) {
      expect(ownerIsGoneFromThisMachine(`${hostPart}:${dead}:${random}`, storeOnThisMachineOnly)).toBe(process.platform === 'linux' || storeOnThisMachineOnly);
      expect(ownerIsGoneFromThisMachine(`${hostPart}:${pid}:${random}`, storeOnThisMachineOnly)).toBe(false); // alive: this process
      expect(ownerIsGoneFromThisMachine(`${hostPart}:1:${random}`, storeOnThisMachineOnly)).toBe(false); // alive (init), even if not ours to signal
      expect(ownerIsGoneFromThisMachine(`another-${hostPart}:${dead}:${random}`, storeOnThisMachineOnly)).toBe(false); // another machine: the lease decides
      expect(ownerIsGoneFromThisMachine(`${hostPart}:${dead}`, storeOnThisMachineOnly)).toBe(false); // not an owner id
      expect(ownerIsGoneFromThisMachine('another run', storeOnThisMachineOnly)).toBe(false);
    }
    // An id written before the boot id existed (the host name alone): on a SQLite file, as before; on a shared store, never.
    expect(ownerIsGoneFromThisMachine(`${hostName}:${dead}:${random}`, true)).toBe(true);
    expect(ownerIsGoneFromThisMachine(`${hostName}:${dead}:${random}`, false)).toBe(false);
  });

  it.runIf(process.platform === 'linux')("on Linux the host part carries the kernel's boot id; another boot (a machine of the same host name) is another machine", async () => {
    const { hostPart, hostName, random } = partsOf(newOwnerId());
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim().replaceAll('-', '');
    expect(hostPart.startsWith(`${hostName}/boot-${boot}`)).toBe(true);
    const dead = await deadPid();
    const otherBoot = hostPart.replace(boot, boot.replace(/^./, (c) => (c === '0' ? '1' : '0')));
    for (const storeOnThisMachineOnly of [true, false]) expect(ownerIsGoneFromThisMachine(`${otherBoot}:${dead}:${random}`, storeOnThisMachineOnly)).toBe(false);
  });
});

const EXPIRE = statement('UPDATE idempotency_keys SET lease_until = 0 WHERE key = ?');

describe.skipIf(storeKinds[1].skip)('a dead owner not proven of this machine on PostgreSQL', () => {
  it('another machine of the same host name (another boot id), or an id without the boot id: the lease holds; once it runs out the key is reconciled, not resent', async () => {
    const url = await storeKinds[1].url();
    const { hostPart, hostName, random } = partsOf(newOwnerId());
    const dead = await deadPid();
    const owners = { 'another-boot': `${hostName}/boot-${'0'.repeat(32)}:${dead}:${random}`, 'no-boot-id': `${hostName}:${dead}:${random}` };
    if (process.platform === 'linux') expect(hostPart).not.toBe(hostName); // this machine's ids carry the boot id
    const store = await openStore(url);
    const claims = createClaimOwner(store);
    try {
      for (const [i, [name, owner]] of Object.entries(owners).entries()) {
        const msg: Msg = { key: `dead-pg-${name}`, to: `+1555720000${i}`, from, body: `sent by a run of ${name} killed on a PostgreSQL store` };
        await claimNewKey(store, claimRequest(msg), owner, 600_000);
        await startRequest(store, msg.key, owner, 600_000);
        const sent = await createMessage(client, msg); // the killed run's request reached Twilio
        expect(await claims.claim(claimRequest(msg)), name).toMatchObject({ kind: 'busy' });
        await expect(deliverMessage(msg, deps(store, claims))).rejects.toThrow(expect.objectContaining({ name: 'KeyInFlightError' }));
        await store.run(EXPIRE, [msg.key]);
        expect(await deliverMessage(msg, deps(store, claims))).toMatchObject({ sid: sent.sid, deduplicated: true });
        expect(await sentTo(msg.to)).toHaveLength(1);
      }
    } finally {
      await claims.close();
      await store.close();
    }
  });
});
