/**
 * The sender's one-second window admits a send when it leaves, not before: whatever the send waits
 * for after its rate slot (its API request slot, a store write held up by another process) comes
 * before the admission, so the time the window counted is the time the request went to Twilio.
 * A stop while the window is full sends nothing; an error of the step right before the request
 * reaches the caller as it was, never as a network error (which would make it look for the message).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { KeyInFlightError, StoppedBeforeSendError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { deliverMessage, type OutboundMessage } from '../../src/messaging/deliver.js';
import { createStoreRateLimiter } from '../../src/messaging/rate-limiter.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/server.js';
import { createClaimOwner } from '../../src/store/claims.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { statement } from '../../src/store/statement.js';
import { createMessage } from '../../src/twilio/messages-api.js';
import { createRestClient, type RequestGate } from '../../src/twilio/rest-client.js';
import { sentMessages } from '../helpers/sent.js';
import { requirePgInCi, storeKinds } from '../helpers/stores.js';

requirePgInCi();

const ADMITTED = statement('SELECT COUNT(*) AS n FROM rate_sends WHERE sender = ? AND sent_at > 0');
const FILL = statement('UPDATE rate_sends SET sent_at = ? WHERE sender = ?');
const KEY = statement('SELECT COUNT(*) AS n FROM idempotency_keys WHERE key = ?');
const count = async (store: Store, s: ReturnType<typeof statement>, params: (string | number)[]) => Number((await store.readOne<{ n: number | string }>(s, params))?.n ?? 0);

let seq = 0;
const messageFrom = (sb: Sandbox, body: string): OutboundMessage => ({ key: `adm-${Date.now()}-${++seq}`, to: `+1555400${String(seq).padStart(4, '0')}`, from: sb.describe().numbers[0].phoneNumber, body, media: [] });

for (const kind of storeKinds) {
  describe.skipIf(kind.skip)(`admission by the rate window on ${kind.name}`, () => {
    let sb: Sandbox;
    let store: Store;
    beforeAll(async () => {
      sb = await startSandbox({ port: 0, deliveryDelayMs: 10 });
      store = await openStore(await kind.url());
    });
    afterAll(async () => {
      await store.close();
      await sb.close();
    });
    const clientWith = (gate?: RequestGate) => {
      const d = sb.describe();
      return createRestClient({ accountSid: d.accountSid, username: d.accountSid, password: d.authToken, baseUrl: sb.baseUrl, gate });
    };

    it('a send waiting for its API request slot is not admitted until it has the slot', async () => {
      const sender = sb.describe().numbers[0].phoneNumber;
      let open!: () => void;
      const slotFree = new Promise<void>((resolve) => (open = resolve));
      let entered = false;
      const gate: RequestGate = { enter: async () => ((entered = true), await slotFree, () => {}), close: async () => {} };
      const claims = createClaimOwner(store);
      const m = messageFrom(sb, `gated admission ${kind.name}`);
      const sending = deliverMessage(m, { store, client: clientWith(gate), claims, limiter: createStoreRateLimiter(store, sender, 50), logger: silentLogger });
      await vi.waitFor(() => expect(entered).toBe(true));
      // Its rate slot is taken and its request recorded, but the window has not counted it: it has not left.
      expect(await count(store, ADMITTED, [sender])).toBe(0);
      open();
      expect(await sending).toMatchObject({ deduplicated: false });
      expect(await count(store, ADMITTED, [sender])).toBe(1);
      await claims.close();
    });

    it('a stop while the window is full sends nothing and leaves the key free for the next run', async () => {
      const sender = '+15550004444';
      const limiter = createStoreRateLimiter(store, sender, 2);
      // Prime the window's places, then fill them all as sent just now: the next send waits a whole window.
      await (await limiter.take()).refund();
      await store.run(FILL, [Date.now(), sender]);
      let entered = false;
      const gate: RequestGate = { enter: async () => ((entered = true), () => {}), close: async () => {} };
      const claims = createClaimOwner(store);
      const stop = new AbortController();
      const m = { ...messageFrom(sb, `stopped in the window ${kind.name}`), from: sender };
      const sending = deliverMessage(m, { store, client: clientWith(gate), claims, limiter, logger: silentLogger, signal: stop.signal }).catch((e: unknown) => e);
      await vi.waitFor(() => expect(entered).toBe(true));
      stop.abort();
      expect(await sending).toBeInstanceOf(StoppedBeforeSendError);
      expect((await sentMessages(sb)).filter((x) => x.body === m.body)).toHaveLength(0);
      expect(await count(store, KEY, [m.key])).toBe(0);
      await claims.close();
    });

    it("an error of the step right before the request reaches the caller as it was, and nothing is sent", async () => {
      const m = messageFrom(sb, `refused before sending ${kind.name}`);
      const lost = new KeyInFlightError(m.key, 'another run that took it over', 250);
      const err = await createMessage(clientWith(), m, { beforeSend: () => Promise.reject(lost) }).catch((e: unknown) => e);
      expect(err).toBe(lost);
      expect((await sentMessages(sb)).filter((x) => x.body === m.body)).toHaveLength(0);
    });
  });
}
