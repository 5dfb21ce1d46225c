/**
 * A store that keeps every row its `readOne` answers for the statements matching `pattern`: what the
 * store decided (a rate schedule's slots, a ticket found ahead), on the database's clock, so tests
 * assert that instead of time measured in the test process, which a loaded machine stretches.
 */
import type { Store } from '../../src/store/open-store.js';
import type { Param, Statement } from '../../src/store/statement.js';

export function recordingRows<Row>(store: Store, pattern: RegExp): { store: Store; rows: Row[] } {
  const rows: Row[] = [];
  const recording = new Proxy(store, {
    get: (target, key) =>
      key === 'readOne'
        ? async (s: Statement, params: Param[]) => {
            const row = await target.readOne<Row>(s, params);
            if (row && pattern.test(s.postgres)) rows.push(row);
            return row;
          }
        : Reflect.get(target, key),
  });
  return { store: recording, rows };
}
