/** A serve start that fails after listening, or is stopped while starting, undoes what it did and exits at once. */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startSandbox } from '../../src/sandbox/server.js';
import { BIN, telephony } from '../helpers/cli.js';
import { publicServeEnv } from '../helpers/serve.js';

/** A port free right now (port 0 would hide whether serve released the one it took). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** True when nothing listens on the port any more. */
function released(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

const env = () => publicServeEnv({ OPENCLAW_TELEPHONY_AGENT_KIND: 'echo', OPENCLAW_TELEPHONY_SANDBOX_URL: 'http://127.0.0.1:9' });
const FAKE_TAILSCALE = path.resolve(__dirname, '../fixtures/fake-tailscale.mjs');

describe('serve start-up failures after listen', () => {
  it('--configure-number without fromNumber exits 3 and frees its port', async () => {
    const { env: e, cwd } = env();
    const port = await freePort();
    const res = await telephony(['serve', '--port', String(port), '--configure-number'], { env: e, cwd });
    expect(res.code).toBe(3);
    expect(res.stderr).toContain('fromNumber');
    expect(await released(port)).toBe(true);
  });

  it('a number that is not the account’s exits 3, frees the port, and leaves the account’s number as it was', async () => {
    const sb = await startSandbox({ port: 0 });
    try {
      const a = sb.describe();
      const { env: e, cwd } = publicServeEnv({ TWILIO_ACCOUNT_SID: a.accountSid, TWILIO_AUTH_TOKEN: a.authToken, TWILIO_PHONE_NUMBER: '+15559998888', OPENCLAW_TELEPHONY_SANDBOX_URL: sb.baseUrl, OPENCLAW_TELEPHONY_AGENT_KIND: 'echo' });
      const port = await freePort();
      const res = await telephony(['serve', '--port', String(port), '--configure-number'], { env: e, cwd });
      expect(res.code).toBe(3);
      expect(res.stderr).toContain("+15559998888 is not one of this account's numbers");
      expect(await released(port)).toBe(true);
      expect((await (await fetch(`${sb.baseUrl}/sandbox/v1/account`)).json()).numbers[0].smsUrl).toBeNull();
    } finally {
      await sb.close();
    }
  });

  it('a tunnel that cannot open, and a missing public URL, exit 3 and free the port', async () => {
    const { env: e, cwd } = env();
    const port = await freePort();
    const tunnel = await telephony(['serve', '--port', String(port), '--tunnel', 'tailscale-funnel'], { env: { ...e, OPENCLAW_TELEPHONY_TAILSCALE: path.join(cwd, 'no-such-tailscale') }, cwd });
    expect(tunnel.code).toBe(3);
    expect(await released(port)).toBe(true);
    const noUrl = await telephony(['serve', '--port', String(port)], { env: { ...e, OPENCLAW_TELEPHONY_PUBLIC_URL: '' }, cwd });
    expect(noUrl.code).toBe(3);
    expect(await released(port)).toBe(true);
  });
});

describe('serve stopped while starting', () => {
  it('SIGTERM while the tunnel is opening stops the tunnel CLI, frees the port and exits 0', async () => {
    const { env: e, cwd } = env();
    const log = path.join(cwd, 'tailscale-calls.ndjson');
    const port = await freePort();
    const child = spawn(process.execPath, [BIN, 'serve', '--port', String(port), '--tunnel', 'tailscale-funnel'], {
      env: { ...e, OPENCLAW_TELEPHONY_TAILSCALE: FAKE_TAILSCALE, FAKE_TAILSCALE_LOG: log, FAKE_TAILSCALE_HANG: 'status' },
      cwd,
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await expect.poll(() => existsSync(log) && readFileSync(log, 'utf8').includes('status'), { timeout: 15_000 }).toBe(true);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(await released(port)).toBe(true);
  });
});

