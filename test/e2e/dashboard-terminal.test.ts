/** The dashboard in a real terminal (tmux): a handset pairs and talks to the echo agent. */
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, isolatedEnv } from '../helpers/cli.js';

const hasTmux = spawnSync('sh', ['-c', 'command -v tmux'], { stdio: 'ignore' }).status === 0;
if (!hasTmux && process.env.CI) throw new Error('CI must provide tmux for the real-terminal test (.ci/run installs it).');

const session = `oct-dash-${process.pid}`;
const tmux = (...args: string[]) => spawnSync('tmux', args, { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-p', '-t', session).stdout;

describe.skipIf(!hasTmux)('serve --sandbox dashboard in a real terminal', () => {
  afterAll(() => tmux('kill-session', '-t', session));

  it('shows the header; t texts as a handset, the code appears, a approves, the agent answers; q quits', { timeout: 120_000 }, async () => {
    const { env, cwd } = isolatedEnv({ OPENCLAW_TELEPHONY_SANDBOX_URL: 'http://127.0.0.1:9', CI: '' });
    const envArgs = Object.entries(env)
      .filter(([k, v]) => v !== undefined && /^(HOME|XDG_|OPENCLAW_|PATH$|NO_COLOR)/.test(k))
      .map(([k, v]) => `${k}='${v}'`)
      .join(' ');
    tmux('new-session', '-d', '-s', session, '-x', '150', '-y', '40', `cd '${cwd}' && env -u CI ${envArgs} '${process.execPath}' '${BIN}' serve --sandbox --port 0; echo EXITED=$?; sleep 60`);
    await expect.poll(screen, { timeout: 45_000 }).toContain('signatures: verified');
    expect(screen()).toContain('policy: pairing');
    // The hints show on start, though serve's start-up events (number.configured) are in the feed.
    await expect.poll(screen).toContain('Try it from another terminal');
    const say = async (text: string) => {
      tmux('send-keys', '-t', session, 't');
      await expect.poll(screen).toContain('text as +15550001111:');
      tmux('send-keys', '-t', session, '-l', text);
      tmux('send-keys', '-t', session, 'Enter');
    };
    await say('hello from a phone');
    await expect.poll(screen, { timeout: 20_000 }).toMatch(/pairing\s+[A-Z0-9]{8}\s+\+15550001111/);
    tmux('send-keys', '-t', session, 'a');
    await expect.poll(screen, { timeout: 20_000 }).toContain('may talk to the agent');
    await say('are you there');
    await expect.poll(screen, { timeout: 20_000 }).toContain('echo: are you there');
    tmux('send-keys', '-t', session, 'q');
    await expect.poll(screen, { timeout: 20_000 }).toContain('EXITED=0');
  });
});
