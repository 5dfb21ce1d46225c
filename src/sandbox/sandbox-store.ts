/**
 * The sandbox's state: maps in memory, written through to a SQLite file when `--data <dir>` is given
 * so a restarted sandbox has the same account, numbers, messages and calls. Nothing is shared with
 * the product's own store.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { openSqliteDatabase, type SqliteDatabase } from '../store/sqlite-driver.js';

export type Kind = 'message' | 'call' | 'number' | 'recording' | 'transcription' | 'notification' | 'optout' | 'offered' | 'media';

export interface SandboxStore {
  getMeta(key: string): string | undefined;
  setMeta(key: string, value: string): void;
  put<T extends { sid: string }>(kind: Kind, item: T): T;
  get<T>(kind: Kind, sid: string): T | undefined;
  /** In creation order. */
  list<T>(kind: Kind): T[];
  delete(kind: Kind, sid: string): boolean;
  close(): void;
}

export async function openSandboxStore(dataDir?: string): Promise<SandboxStore> {
  const maps = new Map<Kind, Map<string, unknown>>();
  const meta = new Map<string, string>();
  const mapOf = (kind: Kind) => {
    let m = maps.get(kind);
    if (!m) maps.set(kind, (m = new Map()));
    return m;
  };
  let db: SqliteDatabase | undefined;
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true });
    ({ database: db } = await openSqliteDatabase(path.join(dataDir, 'sandbox.sqlite'), 5_000));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec('create table if not exists meta (key text primary key, value text not null)');
    db.exec('create table if not exists resources (kind text not null, sid text not null, seq integer not null, json text not null, primary key (kind, sid))');
    for (const row of db.prepare('select key, value from meta').all() as { key: string; value: string }[]) meta.set(row.key, row.value);
    for (const row of db.prepare('select kind, sid, json from resources order by seq').all() as { kind: Kind; sid: string; json: string }[]) {
      mapOf(row.kind).set(row.sid, JSON.parse(row.json));
    }
  }
  const upsert = db?.prepare('insert into resources (kind, sid, seq, json) values (?, ?, ?, ?) on conflict (kind, sid) do update set json = excluded.json');
  const remove = db?.prepare('delete from resources where kind = ? and sid = ?');
  const setMeta = db?.prepare('insert into meta (key, value) values (?, ?) on conflict (key) do update set value = excluded.value');
  let seq = Date.now() * 1000;
  return {
    getMeta: (key) => meta.get(key),
    setMeta(key, value) {
      meta.set(key, value);
      setMeta?.run([key, value]);
    },
    put(kind, item) {
      mapOf(kind).set(item.sid, item);
      upsert?.run([kind, item.sid, seq++, JSON.stringify(item)]);
      return item;
    },
    get: <T>(kind: Kind, sid: string) => mapOf(kind).get(sid) as T | undefined,
    list: <T>(kind: Kind) => [...mapOf(kind).values()] as T[],
    delete(kind, sid) {
      remove?.run([kind, sid]);
      return mapOf(kind).delete(sid);
    },
    close: () => db?.close(),
  };
}
