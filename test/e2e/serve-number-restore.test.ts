/**
 * Several `serve --sandbox` instances on one store and one sandbox: each points the sandbox number at
 * itself on start. Stopping one must not put back the URLs it found while another live instance
 * takes the number's texts (it used to, and the next text met "the number has no SmsUrl"); the last one
 * to stop gives it back as the first found it, also when both stop at the same moment (trial G9).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolatedEnv, startCli } from '../helpers/cli.js';
import { freshPgUrl, PG_URL, requirePgInCi } from '../helpers/stores.js';

requirePgInCi();

describe.skipIf(!PG_URL)('the sandbox number with several serve instances', () => {
  let home: ReturnType<typeof isolatedEnv>;
  let sandbox: Awaited<ReturnType<typeof startCli>>;
  let baseUrl: string;
  beforeAll(async () => {
    home = isolatedEnv({ OPENCLAW_TELEPHONY_STORE_URL: await freshPgUrl(), OPENCLAW_TELEPHONY_AGENT_KIND: 'echo' });
    sandbox = await startCli(['sandbox', '--json'], { env: home.env, cwd: home.cwd });
    baseUrl = JSON.parse(sandbox.firstLine).baseUrl;
  }, 60_000);
  afterAll(async () => {
    await sandbox?.stop('SIGTERM');
  });

  const smsUrl = async () => ((await (await fetch(`${baseUrl}/sandbox/v1/account`)).json()).numbers[0].smsUrl ?? '') as string;
  const startServe = async (extra: string[] = []) => {
    const serve = await startCli(['serve', '--sandbox', '--port', '0', '--json', ...extra], { env: home.env, cwd: home.cwd });
    // Events (store.migrated, number.configured) may come before the line that says where it listens.
    const ready = () => serve.stdout().split('\n').find((line) => line.startsWith('{"url"'));
    await expect.poll(ready, { timeout: 30_000, message: `serve did not say where it listens: ${serve.stdout()} ${serve.stderr()}` }).toBeDefined();
    const url = JSON.parse(ready()!).url as string;
    return { serve, url };
  };

  it('stopping the first leaves the number with the second; stopping the last restores it', async () => {
    const original = await smsUrl();
    const one = await startServe();
    await expect.poll(smsUrl, { timeout: 30_000 }).toContain(new URL(one.url).host);
    const two = await startServe();
    try {
      await expect.poll(smsUrl, { timeout: 30_000 }).toContain(new URL(two.url).host);
      expect(await one.serve.stop('SIGTERM')).toBe(0);
      expect(one.serve.stdout() + one.serve.stderr()).toContain('number.kept');
      expect(one.serve.stdout() + one.serve.stderr()).not.toContain('number.restored');
      expect(await smsUrl()).toContain(new URL(two.url).host);
    } finally {
      expect(await two.serve.stop('SIGTERM')).toBe(0);
    }
    expect(two.serve.stdout() + two.serve.stderr()).toContain('number.restored');
    // As the first found it, not the first instance's URL the second found.
    expect(await smsUrl()).toBe(original);
  }, 120_000);

  it('two instances behind one public URL stopped at the same moment: the last to decide restores the number, every round (trial G9)', async () => {
    const original = await smsUrl();
    // One public URL for both (a load balancer's): only the number's URL matters here, so nothing listens there.
    const shared = ['--public-url', 'http://127.0.0.1:9'];
    for (let round = 1; round <= 4; round++) {
      const pair = [await startServe(shared), await startServe(shared)];
      const output = (i: number) => pair[i].serve.stdout() + pair[i].serve.stderr();
      await expect.poll(smsUrl, { timeout: 30_000 }).toBe('http://127.0.0.1:9/telephony/webhook');
      await expect.poll(() => output(0) + output(1), { timeout: 30_000 }).toMatch(/number\.configured[\s\S]*number\.configured/);
      expect(await Promise.all(pair.map((p) => p.serve.stop('SIGTERM')))).toEqual([0, 0]);
      const said = [output(0), output(1)].map((out) => [out.includes('number.restored'), out.includes('number.kept')]);
      expect(said.filter(([restored]) => restored), `round ${round}: ${output(0)} ${output(1)}`).toHaveLength(1);
      expect(said.filter(([, kept]) => kept), `round ${round}`).toHaveLength(1);
      expect(await smsUrl(), `round ${round}`).toBe(original);
    }
  }, 300_000);
});
