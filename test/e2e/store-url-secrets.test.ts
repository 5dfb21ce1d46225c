/**
 * A PostgreSQL password written in store.url's query (`?password=`, a form libpq and pg take) or with
 * a raw `@` in it (pg reads the host after the last `@`) appears nowhere in what `send`, `doctor` and
 * `config show` print (review A8). Nothing listens on port 9, so the store fails at once.
 */
import { describe, expect, it } from 'vitest';
import { telephony } from '../helpers/cli.js';
import { publicServeEnv } from '../helpers/serve.js';

const cases = [
  { url: 'postgres://u@127.0.0.1:9/db?password=s3cretPW', secret: 's3cretPW' },
  { url: 'postgres://u:p@ssW0rd@127.0.0.1:9/db', secret: 'ssW0rd' },
  { url: 'postgresql://u@127.0.0.1:9/db?connect_timeout=3&sslpassword=k3yPassphrase', secret: 'k3yPassphrase' },
];

describe.each(cases)('store.url $url', ({ url, secret }) => {
  const env = () => publicServeEnv({ OPENCLAW_TELEPHONY_STORE_URL: url, OPENCLAW_TELEPHONY_SANDBOX_URL: 'http://127.0.0.1:9', TWILIO_PHONE_NUMBER: '+15550002222' });

  it('send fails naming the store without the secret', async () => {
    const { env: e, cwd } = env();
    for (const json of [[], ['--json']]) {
      const res = await telephony(['send', '+15550009999', 'hello', ...json], { env: e, cwd });
      expect(res.code).toBe(6);
      expect(res.stdout + res.stderr).toContain('The PostgreSQL store at postgres');
      expect(res.stdout + res.stderr).toContain('@127.0.0.1:9/db');
      expect(res.stdout + res.stderr).not.toContain(secret);
    }
  }, 60_000);

  it('doctor and config show report it without the secret', async () => {
    const { env: e, cwd } = env();
    for (const args of [['doctor', '--json'], ['doctor'], ['config', 'show', '--json']]) {
      const res = await telephony(args, { env: e, cwd });
      expect(res.stdout).toContain('[redacted]@127.0.0.1:9/db');
      expect(res.stdout + res.stderr).not.toContain(secret);
    }
    const doctor = JSON.parse((await telephony(['doctor', '--json'], { env: e, cwd })).stdout) as { checks: { name: string; status: string; detail: string }[] };
    expect(doctor.checks.find((c) => c.name === 'store')).toMatchObject({ status: 'fail', detail: expect.stringContaining('The PostgreSQL store at postgres') });
  }, 60_000);
});
