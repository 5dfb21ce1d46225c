/**
 * Ctrl-C means the same on every long-running command: a graceful stop and exit 130 ("interrupted",
 * as the README's exit-code table says). SIGTERM, a supervisor's ordinary stop, exits 0.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN, isolatedEnv, startCli } from '../helpers/cli.js';

const hasTmux = spawnSync('sh', ['-c', 'command -v tmux'], { stdio: 'ignore' }).status === 0;

describe('interrupting long-running commands', () => {
  it('sandbox: SIGINT exits 130, SIGTERM exits 0', async () => {
    const { env, cwd } = isolatedEnv();
    const a = await startCli(['telephony', 'sandbox', '--port', '0', '--json'], { env, cwd });
    expect(await a.stop('SIGINT')).toBe(130);
    const b = await startCli(['telephony', 'sandbox', '--port', '0', '--json'], { env, cwd });
    expect(await b.stop('SIGTERM')).toBe(0);
  });

  it('serve --sandbox: SIGINT exits 130 after a graceful stop, SIGTERM exits 0', async () => {
    const { env, cwd } = isolatedEnv();
    const a = await startCli(['telephony', 'serve', '--sandbox', '--port', '0', '--no-dashboard'], { env, cwd });
    expect(a.firstLine).toContain('serve listening on');
    expect(await a.stop('SIGINT')).toBe(130);
    expect(a.stderr()).toContain('stopping');
    const b = await startCli(['telephony', 'serve', '--sandbox', '--port', '0', '--json'], { env, cwd });
    expect(await b.stop('SIGTERM')).toBe(0);
  });

  it.skipIf(!hasTmux)('serve with the dashboard in a real terminal: Ctrl-C exits 130', async () => {
    const session = `oct-int-${process.pid}`;
    const tmux = (...args: string[]) => spawnSync('tmux', args, { encoding: 'utf8' });
    const screen = () => tmux('capture-pane', '-p', '-t', session).stdout;
    const { env, cwd } = isolatedEnv({ OPENCLAW_TELEPHONY_SANDBOX_URL: 'http://127.0.0.1:9' });
    const envArgs = Object.entries(env)
      .filter(([k, v]) => v !== undefined && /^(HOME|XDG_|OPENCLAW_|PATH$|NO_COLOR)/.test(k))
      .map(([k, v]) => `${k}='${v}'`)
      .join(' ');
    try {
      tmux('new-session', '-d', '-s', session, '-x', '150', '-y', '40', `cd '${cwd}' && env -u CI ${envArgs} '${process.execPath}' '${BIN}' telephony serve --sandbox --port 0; echo EXITED=$?; sleep 60`);
      await expect.poll(screen, { timeout: 15_000 }).toContain('signatures: verified');
      tmux('send-keys', '-t', session, 'C-c');
      await expect.poll(screen, { timeout: 10_000 }).toContain('EXITED=130');
    } finally {
      tmux('kill-session', '-t', session);
    }
  });
});
