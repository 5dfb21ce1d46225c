/** A batch in a real terminal (tmux): row lines print above the progress bar, never on its line. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { isolatedEnv } from '../helpers/cli.js';
import { hasTmux, runInTerminal, type TerminalRun } from '../helpers/terminal.js';

let sb: Sandbox;
let term: TerminalRun | undefined;
beforeAll(async () => {
  sb = await startSandbox({ port: 0, deliveryDelayMs: 10, rates: { longcode: 1000 } });
});
afterAll(async () => {
  term?.kill();
  await sb.close();
});

describe.skipIf(!hasTmux)('send --batch on a terminal', () => {
  it('prints each row on its own line above a bar that redraws in place', async () => {
    const { env, cwd } = isolatedEnv({ OPENCLAW_TELEPHONY_SANDBOX_URL: sb.baseUrl });
    writeFileSync(path.join(cwd, 'six.csv'), ['to,body', ...Array.from({ length: 6 }, (_, i) => `+1555200000${i},terminal row ${i}`)].join('\n') + '\n');
    term = runInTerminal('oct-batch', ['send', '--sandbox', '--batch', 'six.csv', '--rate', '4', '--yes'], env, cwd);
    await expect.poll(term.screen, { timeout: 20_000 }).toContain('EXITED=0');
    const lines = term.screen().split('\n');
    const rows = lines.filter((l) => /^row \d /.test(l));
    expect(rows).toHaveLength(6);
    for (const row of rows) expect(row).not.toContain('remaining');
    const bar = lines.findIndex((l) => l.includes('remaining 0'));
    expect(bar).toBeGreaterThan(lines.lastIndexOf(rows[5]));
    expect(lines.filter((l) => l.includes('remaining'))).toHaveLength(1);
  });
});
