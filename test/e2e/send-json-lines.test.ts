/**
 * `send --json` (trial G11): one JSON line per message, a short text's one like a long text's parts,
 * so a PowerShell job reads every case the same way (`| ForEach-Object { $_ | ConvertFrom-Json }`).
 * Before, a short text printed one pretty-printed object over several lines, which that reader cannot parse.
 */
import { describe, expect, it } from 'vitest';
import { telephony } from '../helpers/cli.js';
import { useSandboxCli } from '../helpers/sandbox-cli.js';

const { env, cwd, sandbox } = useSandboxCli();

/** What `ForEach-Object { $_ | ConvertFrom-Json }` does: each line of stdout parsed alone. */
const eachLine = (stdout: string) => stdout.trimEnd().split(/\r?\n/).map((line) => JSON.parse(line) as Record<string, unknown>);

describe('send --json', () => {
  it('a short text: one line, one object', async () => {
    const res = await telephony(['send', '--sandbox', '+15550770001', 'short one', '--json'], { env, cwd });
    expect(res.code).toBe(0);
    const lines = eachLine(res.stdout);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ to: '+15550770001', sid: expect.stringMatching(/^SM/), deduplicated: false });
  });

  it('a long text: one line per part, each an object of its own', async () => {
    const body = Array.from({ length: 8 }, (_, i) => `Sentence number ${i} of a long text.`).join(' ');
    // Split at 100 characters: several messages.
    const res = await telephony(['send', '--sandbox', '+15550770002', body, '--json'], { env: { ...env, OPENCLAW_TELEPHONY_SMS_MAX_LENGTH: '100' }, cwd });
    expect(res.code).toBe(0);
    const lines = eachLine(res.stdout);
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.map((l) => l.chunk)).toEqual(lines.map((_, i) => i + 1));
    for (const l of lines) expect(l).toMatchObject({ to: '+15550770002', chunks: lines.length, sid: expect.stringMatching(/^SM/) });
  });

  it('a text held for approval: one line too', async () => {
    const res = await telephony(['send', '--sandbox', '+15550770003', 'held one', '--json'], { env: { ...env, OPENCLAW_TELEPHONY_OUTBOUND_APPROVAL: 'always' }, cwd });
    expect(res.code).toBe(0);
    const lines = eachLine(res.stdout);
    expect(lines).toEqual([expect.objectContaining({ status: 'pending-approval', to: '+15550770003', approvalId: expect.any(String) })]);
  });
});
