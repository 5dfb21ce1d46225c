/**
 * Issue #17: the commands this tool prints must run as printed. From a clone no binary is on the
 * PATH, so hints say `npx openclaw-telephony ...`, and that really runs the clone's own binary.
 */
import { describe, expect, it } from 'vitest';
import { isolatedEnv, REPO, runCli } from '../helpers/cli.js';
import { exec } from '../helpers/exec.js';

describe('printed commands from a clone', () => {
  it('hints name `npx openclaw-telephony`, and the printed command runs as printed', async () => {
    const { env } = isolatedEnv({ npm_config_update_notifier: 'false', npm_config_fund: 'false' });
    const hint = await runCli(['send'], { env, cwd: REPO });
    expect(hint.code).toBe(2);
    const printed = /fix: (npx openclaw-telephony send \+15550005678 "Hello")/.exec(hint.stderr)?.[1];
    expect(printed).toBeDefined();
    // The printed words, run from inside the clone (a sub-folder, as a user's shell might be).
    const [cmd, ...args] = printed!.replace(/"/g, '').split(' ');
    const res = await exec(cmd, [...args, '--dry-run', '--json'], { env, cwd: `${REPO}/test` });
    // The clone's binary answered (a dry run sends nothing and needs no sandbox).
    expect(res.stderr).not.toMatch(/404|E404|not found/i);
    expect(JSON.parse(res.stdout)).toMatchObject({ to: '+15550005678' });
  }, 120_000);
});
