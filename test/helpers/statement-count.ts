/** Counts the fixed statements a store runs (each one round trip on PostgreSQL), whatever their kind. */
import type { Store } from '../../src/store/open-store.js';

export function countStatements(store: Store): { count: number } {
  const counter = { count: 0 };
  for (const method of ['write', 'readOne', 'readMany', 'run'] as const) {
    const original = store[method].bind(store) as (...args: unknown[]) => Promise<unknown>;
    (store as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      counter.count++;
      return original(...args);
    };
  }
  return counter;
}
