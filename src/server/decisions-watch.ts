/**
 * Approvals made in another terminal (`pairing approve`, `approvals approve`) change the store, not
 * this process: serve looks for new decisions every second and reports each on the event bus, so the
 * dashboard's feed shows them wherever they were made.
 */
import { decisionsSince } from '../store/decisions.js';
import type { Store } from '../store/open-store.js';
import type { Emit } from './events.js';

/** Starts watching; returns how to stop. */
export function watchDecisions(store: Store, emit: Emit, intervalMs = 1000): () => void {
  let since = new Date().toISOString();
  let running = false;
  const poll = async () => {
    if (running) return; // a slow store: skip a beat rather than pile up queries
    running = true;
    try {
      for (const d of await decisionsSince(store, since)) {
        emit('decision', { kind: d.kind, id: d.id, who: d.who, status: d.status });
        since = d.decidedAt;
      }
    } catch (err) {
      emit('warning', { message: `reading approvals made elsewhere failed: ${(err as Error).message}` });
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void poll(), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
