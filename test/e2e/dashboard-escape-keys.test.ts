/**
 * Trial H3: Ctrl+F1, Ctrl+F4 and pasted escape sequences (ESC[0m, ESC[31m, a focus report ESC[I),
 * whole or split across writes, in the main view and in the `t` prompt, made Ink 6.8's input handler
 * throw and `serve` die with exit 1. In a real terminal (tmux): serve survives them all, still answers
 * a handset's text, and q still ends it with 0.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isolatedEnv } from '../helpers/cli.js';
import { hasTmux, runInTerminal, type TerminalRun } from '../helpers/terminal.js';

if (!hasTmux && process.env.CI) throw new Error('CI must provide tmux for the real-terminal test (.ci/run installs it).');

const ESC = '\u001b';

describe.skipIf(!hasTmux)('dashboard keys Ink cannot name, in a real terminal', () => {
  let term: TerminalRun | undefined;
  afterAll(() => term?.kill());

  it('Ctrl+F1, Ctrl+F4, ESC[0m, ESC[31m, ESC[I (split too, and in the t prompt) leave serve answering; q exits 0', { timeout: 120_000 }, async () => {
    const { env, cwd } = isolatedEnv({ OPENCLAW_TELEPHONY_SANDBOX_URL: 'http://127.0.0.1:9', CI: '' });
    const t = (term = runInTerminal('oct-esckeys', ['serve', '--sandbox', '--port', '0'], env, cwd, { columns: 150, rows: 40 }));
    await expect.poll(t.screen, { timeout: 45_000 }).toContain('signatures: verified');

    t.keys('C-F1');
    t.keys('C-F4');
    for (const pasted of [`${ESC}[0m`, `${ESC}[31m`, `${ESC}[I`]) t.keys('-l', pasted);
    // The same sequences cut in two writes.
    t.keys('-l', `${ESC}[1;5`);
    t.keys('-l', 'P');
    t.keys('-l', `${ESC}[3`);
    t.keys('-l', '1m');
    // In the prompt: what a paste of a coloured line carries.
    t.keys('t');
    await expect.poll(t.screen).toContain('text as +15550001111:');
    t.keys('-l', `zk${ESC}[31mxw${ESC}[0m`);
    t.keys('C-F1');
    t.keys('-l', `${ESC}[`);
    t.keys('-l', 'I!');
    t.keys('Enter');
    // The text went out as the handset's, without the sequences, and serve answered it (pairing). A
    // sequence's rest arriving after the hold time (40 ms, a loaded machine) is plain text: the `I`.
    await expect.poll(t.screen, { timeout: 20_000 }).toMatch(/zkxwI?!/);
    await expect.poll(t.screen, { timeout: 20_000 }).toMatch(/pairing\s+[A-Z0-9]{8}\s+\+15550001111/);

    // A handset's text over the sandbox still gets serve's reply.
    const registry = path.join(env.XDG_DATA_HOME!, 'openclaw', 'sandbox.json');
    await expect.poll(() => existsSync(registry)).toBe(true);
    const sandboxUrl = JSON.parse(readFileSync(registry, 'utf8')).url as string;
    const number = (await (await fetch(`${sandboxUrl}/sandbox/v1/account`)).json()).numbers[0].phoneNumber as string;
    const handset = '+15550002468';
    const sent = await fetch(`${sandboxUrl}/sandbox/v1/handsets/${encodeURIComponent(handset)}/messages`, { method: 'POST', body: new URLSearchParams({ To: number, Body: 'still there?' }) });
    expect(sent.status).toBeLessThan(300);
    const inbox = async () => ((await (await fetch(`${sandboxUrl}/sandbox/v1/handsets/${encodeURIComponent(handset)}/inbox`)).json()).messages as unknown[]).length;
    await expect.poll(inbox, { timeout: 20_000 }).toBeGreaterThan(0);

    expect(t.screen()).not.toContain('EXITED=');
    expect(t.screen()).toContain('signatures: verified');
    t.keys('q');
    await expect.poll(t.screen, { timeout: 20_000 }).toContain('EXITED=0');
  });
});
