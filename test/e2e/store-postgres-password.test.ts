/**
 * A PostgreSQL server that asks for a password (SCRAM), given none or a wrong one (trial G6): both
 * name the cause and where the password goes, exit 3, and never print a password. Without this the
 * missing password showed the driver's "SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string",
 * and the command hung until the server's authentication timeout (60 s) closed the connection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres } from '../../scripts/postgres-server.mjs';
import { isolatedEnv, telephony } from '../helpers/cli.js';
import { requirePgInCi } from '../helpers/stores.js';

const PASSWORD = 'Right-pw-4417';
let server: { url: string; stop(): void } | undefined;
beforeAll(async () => {
  requirePgInCi();
  server = await startPostgres({ password: PASSWORD });
}, 120_000);
afterAll(() => server?.stop());

function run(pgPassword: string | undefined) {
  const { env, cwd } = isolatedEnv({ OPENCLAW_TELEPHONY_STORE_URL: server!.url, OPENCLAW_TELEPHONY_SANDBOX_URL: 'http://127.0.0.1:9', TWILIO_PHONE_NUMBER: '+15550002222' });
  delete env.PGPASSWORD;
  delete env.PGPASSFILE;
  if (pgPassword !== undefined) env.PGPASSWORD = pgPassword;
  return telephony(['optouts', 'list', '--json'], { env, cwd });
}

describe.skipIf(!process.env.OPENCLAW_TEST_PG_URL && !process.env.CI)('a PostgreSQL store that asks for a password', () => {
  it.each([['no PGPASSWORD at all', undefined], ['an empty PGPASSWORD', '']])('%s: says none was given and where to give it', async (_name, pgPassword) => {
    const started = Date.now();
    const res = await run(pgPassword);
    expect(res.code).toBe(3);
    // Not held open until the server's 60 s authentication timeout.
    expect(Date.now() - started).toBeLessThan(40_000);
    const out = res.stdout + res.stderr;
    expect(out).toContain('the server asks for a password and none was given');
    expect(out).toMatch(/PGPASSWORD \(or ~\/\.pgpass, %APPDATA%\\\\?postgresql\\\\?pgpass\.conf on Windows\)/);
    expect(out).not.toContain('SASL');
  }, 60_000);

  it('a wrong one: the server refused it, and it is not printed', async () => {
    const res = await run('Wrong-pw-9921');
    expect(res.code).toBe(3);
    const out = res.stdout + res.stderr;
    expect(out).toContain('The server refused the password: set the right one in PGPASSWORD');
    expect(out).not.toContain('Wrong-pw-9921');
    expect(out).not.toContain(PASSWORD);
  }, 60_000);
});
