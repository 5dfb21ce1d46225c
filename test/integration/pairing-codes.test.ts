import { describe, expect, it } from 'vitest';
import { requestPairing } from '../../src/pairing/pairing.js';
import { openStore } from '../../src/store/open-store.js';
import { sqliteUrl } from '../helpers/stores.js';

describe('pairing codes as OpenClaw issues them', () => {
  it('8 uppercase characters without 0 O 1 I, valid an hour, one per new request, at most 3 pending per number', async () => {
    const store = await openStore(sqliteUrl());
    try {
      const limits = { codeTtlMinutes: 60, maxCodesPerHour: 20, maxPending: 3 };
      const now = new Date('2026-11-30T05:00:00Z');
      const first = await requestPairing(store, '+15550007101', limits, now);
      expect(first).toMatchObject({ kind: 'send-code', code: expect.stringMatching(/^[A-Z2-9]{8}$/) });
      expect((first as { code: string }).code).not.toMatch(/[0O1I]/);
      expect(await requestPairing(store, '+15550007101', limits, now)).toMatchObject({ kind: 'already-sent' });
      expect((await requestPairing(store, '+15550007102', limits, now)).kind).toBe('send-code');
      expect((await requestPairing(store, '+15550007103', limits, now)).kind).toBe('send-code');
      // A fourth stranger gets nothing while three wait...
      expect((await requestPairing(store, '+15550007104', limits, now)).kind).toBe('capped');
      // ...until they expire an hour later.
      expect((await requestPairing(store, '+15550007104', limits, new Date(now.getTime() + 3_600_001))).kind).toBe('send-code');
    } finally {
      await store.close();
    }
  });
});
