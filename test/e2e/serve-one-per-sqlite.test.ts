/**
 * One `serve` per SQLite store file: a second one refuses to start, naming the first process and the
 * fix; once the first has stopped, or was killed (its row left behind by a process that is gone), a
 * new one starts at once.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, startCli } from '../helpers/cli.js';
import { publicServeEnv } from '../helpers/serve.js';

describe('one serve per SQLite file', () => {
  it('refuses a second serve on the same file, naming the first and the fix; starts once the first stopped or died', async () => {
    const { env, cwd, home } = publicServeEnv({ OPENCLAW_TELEPHONY_AGENT_KIND: 'echo', OPENCLAW_TELEPHONY_SANDBOX_URL: 'http://127.0.0.1:9' });
    env.OPENCLAW_TELEPHONY_STORE_URL = path.join(home, 'shared.sqlite');
    const first = await startCli(['serve', '--port', '0', '--json'], { env, cwd });
    const firstUrl = JSON.parse(first.firstLine).url as string;

    const second = await runCli(['serve', '--port', '0', '--json'], { env, cwd });
    expect(second.code).toBe(3);
    const { error } = JSON.parse(second.stdout.trim().split('\n').at(-1)!);
    expect(error.code).toBe('store_in_use');
    expect(error.message).toContain(`Another serve is using the SQLite store ${env.OPENCLAW_TELEPHONY_STORE_URL}: process ${first.child.pid}`);
    expect(error.message).toContain(`listening on ${firstUrl}`);
    expect(error.hint).toContain('use PostgreSQL');
    // The first one was not disturbed.
    expect((await fetch(`${firstUrl}/healthz`)).status).toBe(200);
    // doctor names the serve using the file.
    const doctor = await runCli(['doctor', '--json'], { env, cwd });
    const store = JSON.parse(doctor.stdout).checks.find((c: { name: string }) => c.name === 'store');
    expect(store.detail).toContain(`1 serve instance running on it: ${firstUrl} on `);
    expect(store.detail).toContain(`pid ${first.child.pid}`);

    // Killed without leaving: its row stays, but its process is gone, so the next serve starts at once.
    expect(await first.stop('SIGKILL')).toBe(null);
    const third = await startCli(['serve', '--port', '0', '--json'], { env, cwd });
    expect(JSON.parse(third.firstLine).url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // Stopped properly: it leaves, and the next one starts too.
    expect(await third.stop()).toBe(0);
    const fourth = await startCli(['serve', '--port', '0', '--json'], { env, cwd });
    expect(JSON.parse(fourth.firstLine).url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await fourth.stop()).toBe(0);
  }, 120_000);

  it('two serves starting at the same moment on one file: exactly one runs', async () => {
    const { env, cwd, home } = publicServeEnv({ OPENCLAW_TELEPHONY_AGENT_KIND: 'echo', OPENCLAW_TELEPHONY_SANDBOX_URL: 'http://127.0.0.1:9' });
    env.OPENCLAW_TELEPHONY_STORE_URL = path.join(home, 'race.sqlite');
    const started = await Promise.allSettled([startCli(['serve', '--port', '0', '--json'], { env, cwd }), startCli(['serve', '--port', '0', '--json'], { env, cwd })]);
    const lines = started.map((s) => (s.status === 'fulfilled' ? JSON.parse(s.value.firstLine) : s.reason));
    expect(lines.filter((l) => l.url)).toHaveLength(1);
    expect(lines.filter((l) => l.error?.code === 'store_in_use')).toHaveLength(1);
    for (const s of started) if (s.status === 'fulfilled') await s.value.stop();
  }, 120_000);
});
