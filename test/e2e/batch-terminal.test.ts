/** A batch in a real terminal (tmux): row lines print above the progress bar, never on its line. */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { BIN, isolatedEnv } from '../helpers/cli.js';

const hasTmux = spawnSync('sh', ['-c', 'command -v tmux'], { stdio: 'ignore' }).status === 0;
const session = `oct-batch-${process.pid}`;
const tmux = (...args: string[]) => spawnSync('tmux', args, { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-p', '-t', session).stdout;

let sb: Sandbox;
beforeAll(async () => {
  sb = await startSandbox({ port: 0, deliveryDelayMs: 10, rates: { longcode: 1000 } });
});
afterAll(async () => {
  tmux('kill-session', '-t', session);
  await sb.close();
});

describe.skipIf(!hasTmux)('send --batch on a terminal', () => {
  it('prints each row on its own line above a bar that redraws in place', async () => {
    const { env, cwd } = isolatedEnv({ OPENCLAW_TELEPHONY_SANDBOX_URL: sb.baseUrl });
    writeFileSync(path.join(cwd, 'six.csv'), ['to,body', ...Array.from({ length: 6 }, (_, i) => `+1555200000${i},terminal row ${i}`)].join('\n') + '\n');
    const envArgs = Object.entries(env)
      .filter(([k, v]) => v !== undefined && /^(HOME|XDG_|OPENCLAW_|PATH$|NO_COLOR)/.test(k))
      .map(([k, v]) => `${k}='${v}'`)
      .join(' ');
    tmux('new-session', '-d', '-s', session, '-x', '160', '-y', '30', `cd '${cwd}' && env ${envArgs} '${process.execPath}' '${BIN}' telephony send --sandbox --batch six.csv --rate 4 --yes; echo EXITED=$?; sleep 60`);
    await expect.poll(screen, { timeout: 20_000 }).toContain('EXITED=0');
    const lines = screen().split('\n');
    const rows = lines.filter((l) => /^row \d /.test(l));
    expect(rows).toHaveLength(6);
    for (const row of rows) expect(row).not.toContain('remaining');
    const bar = lines.findIndex((l) => l.includes('remaining 0'));
    expect(bar).toBeGreaterThan(lines.lastIndexOf(rows[5]));
    expect(lines.filter((l) => l.includes('remaining'))).toHaveLength(1);
  });
});
