/**
 * While serve runs, another instance (or a command) of a newer version can upgrade the shared store.
 * This instance then keeps its older rules, which the newer version may have tightened (schema-guard.ts),
 * so it says so at once, loudly, and again every hour until it is restarted on the new version.
 */
import type { Store } from '../store/open-store.js';
import { knownMigrations, RECORDED_MIGRATIONS, storeNewerError, unknownMigrations } from '../store/schema-guard.js';

const CHECK_EVERY_MS = 30_000;
const REPEAT_EVERY_MS = 3_600_000;

export interface StoreVersionWatchOptions {
  /** Says the store is newer (an error on the bus); called once, then at most once an hour. */
  onNewer(message: string): void;
  onError(err: Error): void;
  checkEveryMs?: number;
}

/** Starts the watch; returns how to stop it. */
export function watchStoreVersion(store: Store, o: StoreVersionWatchOptions): () => void {
  const known = knownMigrations(store.dialect);
  let lastSaid = -Infinity;
  let running = false;
  const check = async () => {
    const recorded = await store.readMany<{ name: string }>(RECORDED_MIGRATIONS, []);
    const unknown = unknownMigrations(recorded.map((r) => r.name), await known);
    if (!unknown.length || Date.now() - lastSaid < REPEAT_EVERY_MS) return;
    lastSaid = Date.now();
    const err = storeNewerError(store.location, unknown);
    o.onNewer(`${err.message} This serve goes on with its own rules until it is restarted: ${err.hint}`);
  };
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    check()
      .catch((err: Error) => o.onError(err))
      .finally(() => (running = false));
  }, o.checkEveryMs ?? CHECK_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
