/** The dashboard in a real terminal (tmux): a handset pairs and talks to the echo agent. */
import { afterAll, describe, expect, it } from 'vitest';
import { isolatedEnv } from '../helpers/cli.js';
import { hasTmux, runInTerminal, type TerminalRun } from '../helpers/terminal.js';

if (!hasTmux && process.env.CI) throw new Error('CI must provide tmux for the real-terminal test (.ci/run installs it).');

describe.skipIf(!hasTmux)('serve --sandbox dashboard in a real terminal', () => {
  let term: TerminalRun | undefined;
  afterAll(() => term?.kill());

  it('shows the header; t texts as a handset, the code appears, a approves, the agent answers; q quits', { timeout: 120_000 }, async () => {
    const { env, cwd } = isolatedEnv({ OPENCLAW_TELEPHONY_SANDBOX_URL: 'http://127.0.0.1:9', CI: '' });
    const t = (term = runInTerminal('oct-dash', ['serve', '--sandbox', '--port', '0'], env, cwd, { columns: 150, rows: 40 }));
    const screen = t.screen;
    await expect.poll(screen, { timeout: 45_000 }).toContain('signatures: verified');
    expect(screen()).toContain('policy: pairing');
    // The hints show on start, though serve's start-up events (number.configured) are in the feed.
    await expect.poll(screen).toContain('Try it from another terminal');
    const say = async (text: string) => {
      t.keys('t');
      await expect.poll(screen).toContain('text as +15550001111:');
      t.keys('-l', text);
      t.keys('Enter');
    };
    await say('hello from a phone');
    await expect.poll(screen, { timeout: 20_000 }).toMatch(/pairing\s+[A-Z0-9]{8}\s+\+15550001111/);
    t.keys('a');
    await expect.poll(screen, { timeout: 20_000 }).toContain('may talk to the agent');
    await say('are you there');
    await expect.poll(screen, { timeout: 20_000 }).toContain('echo: are you there');
    t.keys('q');
    await expect.poll(screen, { timeout: 20_000 }).toContain('EXITED=0');
  });
});
