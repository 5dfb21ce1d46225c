/**
 * Ctrl-C means the same on every long-running command: a graceful stop and exit 130 ("interrupted",
 * as the README's exit-code table says). SIGTERM, a supervisor's ordinary stop, exits 0.
 */
import { describe, expect, it } from 'vitest';
import { isolatedEnv, startCli } from '../helpers/cli.js';
import { hasTmux, runInTerminal } from '../helpers/terminal.js';

describe('interrupting long-running commands', () => {
  it('sandbox: SIGINT exits 130, SIGTERM exits 0', async () => {
    const { env, cwd } = isolatedEnv();
    const a = await startCli(['sandbox', '--port', '0', '--json'], { env, cwd });
    expect(await a.stop('SIGINT')).toBe(130);
    const b = await startCli(['sandbox', '--port', '0', '--json'], { env, cwd });
    expect(await b.stop('SIGTERM')).toBe(0);
  });

  it('serve --sandbox: SIGINT exits 130 after a graceful stop, SIGTERM exits 0', async () => {
    const { env, cwd } = isolatedEnv();
    const a = await startCli(['serve', '--sandbox', '--port', '0', '--no-dashboard'], { env, cwd });
    expect(a.firstLine).toContain('serve listening on');
    expect(await a.stop('SIGINT')).toBe(130);
    expect(a.stderr()).toContain('stopping');
    const b = await startCli(['serve', '--sandbox', '--port', '0', '--json'], { env, cwd });
    expect(await b.stop('SIGTERM')).toBe(0);
  });

  it.skipIf(!hasTmux)('serve with the dashboard in a real terminal: Ctrl-C exits 130', { timeout: 120_000 }, async () => {
    const { env, cwd } = isolatedEnv({ OPENCLAW_TELEPHONY_SANDBOX_URL: 'http://127.0.0.1:9' });
    const term = runInTerminal('oct-int', ['serve', '--sandbox', '--port', '0'], env, cwd);
    try {
      await expect.poll(term.screen, { timeout: 45_000 }).toContain('signatures: verified');
      term.keys('C-c');
      await expect.poll(term.screen, { timeout: 20_000 }).toContain('EXITED=130');
    } finally {
      term.kill();
    }
  });
});
