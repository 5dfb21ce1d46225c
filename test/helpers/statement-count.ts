/** Counts the fixed statements a store runs (each one round trip on PostgreSQL), in all and by kind. */
import type { Store } from '../../src/store/open-store.js';

const METHODS = ['write', 'readOne', 'readMany', 'run'] as const;

/** `byMethod.run`: statements committed on their own (on SQLite, outside the group commit). */
export function countStatements(store: Store): { count: number; byMethod: Record<(typeof METHODS)[number], number> } {
  const counter = { count: 0, byMethod: { write: 0, readOne: 0, readMany: 0, run: 0 } };
  for (const method of METHODS) {
    const original = store[method].bind(store) as (...args: unknown[]) => Promise<unknown>;
    (store as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      counter.count++;
      counter.byMethod[method]++;
      return original(...args);
    };
  }
  return counter;
}
