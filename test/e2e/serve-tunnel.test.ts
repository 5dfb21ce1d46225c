import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isolatedEnv, startCli, telephony } from '../helpers/cli.js';

const base = () => isolatedEnv({ OPENCLAW_TELEPHONY_SANDBOX_URL: 'http://127.0.0.1:9' });

describe('serve tunnels', () => {
  it('ngrok without a token says where to put one (exit 4)', async () => {
    const { env, cwd } = base();
    const res = await telephony(['serve', '--sandbox', '--port', '0', '--tunnel', 'ngrok'], { env, cwd });
    expect(res.code).toBe(4);
    expect(res.stderr).toContain('NGROK_AUTHTOKEN');
  });

  it('ngrok offline says so and how to go on (exit 6)', async () => {
    const { env, cwd } = base();
    const res = await telephony(['serve', '--sandbox', '--port', '0', '--tunnel', 'ngrok'], { env: { ...env, NGROK_AUTHTOKEN: '2fake_token_for_an_offline_test' }, cwd });
    expect(res.code).toBe(6);
    expect(res.stderr).toContain('Could not reach ngrok');
    expect(res.stderr).toContain('publicUrl');
    expect(res.stderr).not.toContain('2fake_token_for_an_offline_test');
  });

  it('tailscale-funnel without the CLI says how to install it (exit 3)', async () => {
    const { env, cwd } = base();
    const res = await telephony(['serve', '--sandbox', '--port', '0', '--tunnel', 'tailscale-funnel'], { env: { ...env, OPENCLAW_TELEPHONY_TAILSCALE: path.join(cwd, 'no-such-tailscale') }, cwd });
    expect(res.code).toBe(3);
    expect(res.stderr).toContain('Install Tailscale');
  });

  it('tailscale-funnel opens the funnel, serves the https://<machine>.ts.net URL, and turns it off on exit', async () => {
    const { env, cwd } = base();
    const log = path.join(cwd, 'tailscale-calls.ndjson');
    Object.assign(env, { OPENCLAW_TELEPHONY_TAILSCALE: path.resolve(__dirname, '../fixtures/fake-tailscale.mjs'), FAKE_TAILSCALE_LOG: log });
    const server = await startCli(['serve', '--sandbox', '--port', '0', '--tunnel', 'tailscale-funnel', '--json'], { env, cwd });
    const ready = JSON.parse(server.firstLine);
    expect(ready.tunnel).toEqual({ provider: 'tailscale-funnel', url: 'https://openclaw-box.tail1234.ts.net' });
    expect(ready.webhook).toBe('https://openclaw-box.tail1234.ts.net/telephony/webhook');
    const health = await (await fetch(`${ready.url}/healthz`)).json();
    expect(health).toMatchObject({ ok: true, tunnel: 'up' });
    expect(await server.stop()).toBe(0);
    const calls = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const port = new URL(ready.url).port;
    expect(calls).toEqual([['status', '--json'], ['funnel', '--bg', '--yes', port], ['funnel', '--https=443', 'off']]);
  });
});
