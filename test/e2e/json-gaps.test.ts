/** `--json` always gives one JSON document on stdout with the fix, whatever went wrong. */
import { describe, expect, it } from 'vitest';
import { isolatedEnv, telephony } from '../helpers/cli.js';

const { env, cwd } = isolatedEnv({ OPENCLAW_TELEPHONY_SANDBOX_URL: 'http://127.0.0.1:9' });
const errorOf = async (args: string[]) => {
  const res = await telephony(args, { env, cwd });
  return { code: res.code, stderr: res.stderr, error: JSON.parse(res.stdout).error as { code: string; message: string; hint: string | null } };
};

describe('--json gaps', () => {
  it('no command: a JSON usage error on stdout (the help stays on stderr), exit 2', async () => {
    const { code, stderr, error } = await errorOf(['--json']);
    expect(code).toBe(2);
    expect(error).toMatchObject({ code: 'usage', hint: expect.stringContaining('--help') });
    expect(stderr).toContain('Commands:');
    const group = await errorOf(['numbers', '--json']);
    expect(group.code).toBe(2);
    expect(group.error.code).toBe('usage');
  });

  it('a bad --limit names the fix', async () => {
    const messages = await errorOf(['messages', 'list', '--sandbox', '--limit', 'abc', '--json']);
    expect(messages.code).toBe(2);
    expect(messages.error).toMatchObject({ code: 'invalid_limit', hint: expect.stringContaining('--limit 50') });
    const numbers = await errorOf(['numbers', 'search', '--sandbox', '--limit', '99', '--json']);
    expect(numbers.code).toBe(2);
    expect(numbers.error).toMatchObject({ code: 'invalid_limit', hint: expect.stringContaining('from 1 to 50') });
  });
});
