#!/usr/bin/env node
/**
 * `npm test`: runs the suite with the real services it needs, started here when the machine has them:
 * - a D-Bus session with an unlocked gnome-keyring, so the credential-store tests hit a real Secret Service;
 * - a throwaway PostgreSQL server on loopback (unless OPENCLAW_TEST_PG_URL names one).
 * Extra arguments go to vitest (e.g. `npm test -- test/unit`).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPostgres } from './postgres-server.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const onPath = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

// 1. Re-run inside a private D-Bus session, where a keyring can be started without a desktop.
if (process.platform === 'linux' && !process.env.OPENCLAW_TEST_IN_DBUS && onPath('dbus-run-session') && onPath('gnome-keyring-daemon')) {
  const child = spawn('dbus-run-session', ['--', process.execPath, fileURLToPath(import.meta.url), ...args], {
    stdio: 'inherit',
    env: { ...process.env, OPENCLAW_TEST_IN_DBUS: '1' },
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  main().then((code) => process.exit(code), (err) => {
    console.error(err);
    process.exit(1);
  });
}

async function main() {
  if (process.env.OPENCLAW_TEST_IN_DBUS) startKeyring();
  const pg = process.env.OPENCLAW_TEST_PG_URL ? undefined : await startPostgres();
  if (pg) {
    process.env.OPENCLAW_TEST_PG_URL = pg.url;
    console.error(`[test-env] PostgreSQL ${pg.version} on ${new URL(pg.url).host}`);
  } else if (!process.env.OPENCLAW_TEST_PG_URL) {
    console.error('[test-env] PostgreSQL is not installed: the PostgreSQL store tests will be skipped (CI installs it).');
  }
  try {
    const vitest = path.join(repo, 'node_modules/vitest/vitest.mjs');
    const res = spawnSync(process.execPath, [vitest, 'run', ...args], { stdio: 'inherit', cwd: repo, env: process.env });
    return res.status ?? 1;
  } finally {
    pg?.stop();
  }
}

function startKeyring() {
  // A new keyring is created unlocked with this password; it lives only as long as this session.
  // Its own data folder, so an existing keyring (with another password) is never in the way.
  const keyrings = mkdtempSync(path.join(os.tmpdir(), 'oct-keyring-'));
  const out = execFileSync('gnome-keyring-daemon', ['--unlock', '--components=secrets'], {
    input: 'openclaw-test-keyring\n',
    encoding: 'utf8',
    env: { ...process.env, XDG_DATA_HOME: keyrings },
  });
  for (const line of out.split('\n')) {
    const m = /^(\w+)=(.*)$/.exec(line.trim());
    if (m) process.env[m[1]] = m[2];
  }
  process.env.OPENCLAW_TEST_KEYRING = '1';
}

