/** Pairing codes and held texts decided since a moment, whoever decided them (this process or another). */
import type { Store } from './open-store.js';

export interface Decision {
  kind: 'pairing' | 'approval';
  id: string;
  /** The number it concerns: who asked to pair, or whom the held text is for. */
  who: string;
  status: string;
  decidedAt: string;
}

/** Decisions after `since` (ISO time), oldest first. */
export async function decisionsSince(store: Store, since: string): Promise<Decision[]> {
  const [codes, held] = await Promise.all([
    store.db.selectFrom('pairing_requests').select(['code', 'phone', 'status', 'decided_at']).where('decided_at', '>', since).execute(),
    store.db.selectFrom('approvals').select(['id', 'request', 'status', 'decided_at']).where('decided_at', '>', since).execute(),
  ]);
  return [
    ...codes.map((r) => ({ kind: 'pairing' as const, id: r.code, who: r.phone, status: r.status, decidedAt: r.decided_at! })),
    ...held.map((a) => ({ kind: 'approval' as const, id: a.id, who: String((JSON.parse(a.request) as { to?: string }).to ?? ''), status: a.status, decidedAt: a.decided_at! })),
  ].sort((a, b) => a.decidedAt.localeCompare(b.decidedAt));
}
