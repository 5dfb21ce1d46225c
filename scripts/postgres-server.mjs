/**
 * A throwaway PostgreSQL server on loopback, for `npm test` (scripts/test-env.mjs) and the benchmarks
 * that compare stores: a new data folder, trust auth (or a password), no fsync; stop() removes it all. Resolves to
 * undefined when PostgreSQL is not installed (the callers skip what needs it, and say so).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

async function freePort() {
  return await new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** `password`: the server asks the postgres user for it (SCRAM) instead of trusting every local connection. */
export async function startPostgres({ password } = {}) {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
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
  const auth = ['--auth=trust'];
  if (password !== undefined) {
    const pwfile = path.join(dir, 'pwfile');
    writeFileSync(pwfile, `${password}\n`, { mode: 0o644 });
    auth.splice(0, 1, '--auth=scram-sha-256', `--pwfile=${pwfile}`);
  }
  run(path.join(bin, 'initdb'), ['-D', data, ...auth, '--username=postgres', '-E', 'UTF8', '--no-sync']);
  run(path.join(bin, 'pg_ctl'), ['-D', data, '-w', '-l', path.join(dir, 'log'), '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    version,
    stop() {
      try {
        run(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
