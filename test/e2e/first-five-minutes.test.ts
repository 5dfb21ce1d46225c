/**
 * The README's "first five minutes", as a newcomer runs it: start `serve --sandbox`, then run the
 * commands it prints (text, inbox for the pairing code, approve, text again) and get the echo reply.
 * No port is looked up and no URL is set: the commands find the sandbox by themselves.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, isolatedEnv, telephony } from '../helpers/cli.js';

/** A printed command line -> argv after the program name: "double quotes" group words, `#` starts a comment. */
function argvOf(line: string): string[] {
  const words = [...line.replace(/\s+#.*$/, '').matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]);
  const start = words[0] === 'npx' ? 2 : words[1] === 'telephony' ? 2 : 1;
  return words.slice(start);
}

describe('first five minutes', () => {
  const { env, cwd } = isolatedEnv();
  let server: ChildProcessWithoutNullStreams | undefined;
  afterAll(() => server?.kill('SIGTERM'));

  it('start, text, inbox, approve, and the echo reply, from the commands serve prints', async () => {
    server = spawn(process.execPath, [BIN, 'serve', '--sandbox', '--port', '0'], { env, cwd });
    let printed = '';
    let logged = '';
    server.stdout.on('data', (d) => (printed += d));
    server.stderr.on('data', (d) => (logged += d));
    await expect.poll(() => printed, { timeout: 20_000 }).toContain('Ctrl-C stops it.');
    const tryIt = printed.split('\n').filter((l) => / sandbox (text|inbox) | pairing approve /.test(l)).map((l) => l.trim());
    expect(tryIt).toHaveLength(3);
    const [text, inbox, approve] = tryIt.map(argvOf);

    const first = await telephony(text, { env, cwd });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    let code = '';
    await expect
      .poll(async () => {
        const res = await telephony(inbox, { env, cwd });
        code = /\b([A-Z2-9]{8})\b/.exec(res.stdout.split('\n').find((l) => /pairing/i.test(l)) ?? '')?.[1] ?? '';
        return code;
      })
      .toMatch(/^[A-Z2-9]{8}$/);

    const approved = await telephony(approve.map((w) => (w === 'CODE' ? code : w)), { env, cwd });
    expect(approved.code).toBe(0);
    // Approved in another terminal: serve reports it on its event bus (the dashboard's feed, the log).
    await expect.poll(() => logged, { timeout: 10_000 }).toMatch(new RegExp(`decision kind=pairing id=${code} who=\\+15550001111 status=approved`));
    const again = await telephony(text.map((w) => (w === 'hello' ? 'are you there' : w)), { env, cwd });
    expect(again.code).toBe(0);
    await expect.poll(async () => (await telephony(inbox, { env, cwd })).stdout, { timeout: 10_000 }).toContain('echo: are you there');
  });
});
