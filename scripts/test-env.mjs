#!/usr/bin/env node
/**
 * `npm test`: runs the suite with the real services it needs, started here when the machine has them:
 * - a D-Bus session with an unlocked gnome-keyring, so the credential-store tests hit a real Secret Service;
 * - a throwaway PostgreSQL server on loopback (unless OPENCLAW_TEST_PG_URL names one).
 * Extra arguments go to vitest (e.g. `npm test -- test/unit`).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, chmodSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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
  if (pg) process.env.OPENCLAW_TEST_PG_URL = pg.url;
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

async function freePort() {
  return await new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function startPostgres() {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) {
    console.error('[test-env] PostgreSQL is not installed: the PostgreSQL store tests will be skipped (CI installs it).');
    return undefined;
  }
  const version = readdirSync(root).sort((a, b) => Number(b) - Number(a))[0];
  const bin = path.join(root, version, 'bin');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'oct-pg-'));
  chmodSync(dir, 0o777);
  const data = path.join(dir, 'data');
  const port = await freePort();
  // PostgreSQL refuses to run as root; run it as the postgres user when we are root.
  const asPg = (cmd, cmdArgs) => (process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', cmd, ...cmdArgs]] : [cmd, cmdArgs]);
  const run = (cmd, cmdArgs) => {
    const [c, a] = asPg(cmd, cmdArgs);
    execFileSync(c, a, { stdio: ['ignore', 'ignore', 'inherit'] });
  };
  run(path.join(bin, 'initdb'), ['-D', data, '--auth=trust', '--username=postgres', '-E', 'UTF8', '--no-sync']);
  run(path.join(bin, 'pg_ctl'), ['-D', data, '-w', '-l', path.join(dir, 'log'), '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
  console.error(`[test-env] PostgreSQL ${version} on 127.0.0.1:${port}`);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop() {
      try {
        run(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
