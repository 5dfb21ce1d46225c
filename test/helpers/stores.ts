/** The store URLs every store test runs against: a SQLite file, and the real PostgreSQL server `npm test` started. */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export function sqliteUrl(): string {
  return path.join(mkdtempSync(path.join(os.tmpdir(), 'oct-store-')), 'telephony.sqlite');
}

export const PG_URL = process.env.OPENCLAW_TEST_PG_URL;

/** CI must run the PostgreSQL tests; elsewhere they are skipped when no server could be started. */
export function requirePgInCi(): void {
  if (!PG_URL && process.env.CI) throw new Error('CI must provide PostgreSQL: run the tests with `npm test` (scripts/test-env.mjs starts one).');
}

/** A fresh, empty database on the test server, so tests never see each other's rows. */
export async function freshPgUrl(): Promise<string> {
  const name = `oct_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(PG_URL!);
  url.pathname = `/${name}`;
  return url.toString();
}

export const storeKinds = [
  { name: 'sqlite', skip: false, url: async () => sqliteUrl() },
  { name: 'postgres', skip: !PG_URL, url: freshPgUrl },
] as const;
