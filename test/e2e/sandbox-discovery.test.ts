/**
 * Commands find a running sandbox by themselves: `sandbox` and `serve --sandbox` register its URL in
 * the data folder, commands with --sandbox (and `sandbox text`/`inbox`) read it when
 * OPENCLAW_TELEPHONY_SANDBOX_URL is unset, and the entry goes away when the sandbox stops.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isolatedEnv, startCli, telephony } from '../helpers/cli.js';

const runtimeFile = (home: string) => path.join(home, '.local/share/openclaw/sandbox.json');

describe('sandbox discovery through the data folder', () => {
  it('`sandbox` registers its URL; other commands use it with no URL given; the entry goes on exit', async () => {
    const { env, cwd, home } = isolatedEnv();
    const sandbox = await startCli(['sandbox', '--json'], { env, cwd });
    try {
      const info = JSON.parse(sandbox.firstLine) as { baseUrl: string; numbers: { phoneNumber: string }[] };
      expect(JSON.parse(readFileSync(runtimeFile(home), 'utf8'))).toMatchObject({ url: info.baseUrl, pid: sandbox.child.pid });
      const inbox = await telephony(['sandbox', 'inbox', '+15550007070', '--json'], { env, cwd });
      expect(inbox.stderr).toBe('');
      expect(JSON.parse(inbox.stdout)).toMatchObject({ messages: [] });
      const numbers = await telephony(['numbers', 'list', '--sandbox', '--json'], { env, cwd });
      expect(numbers.code).toBe(0);
      expect(numbers.stdout).toContain(info.numbers[0].phoneNumber);
    } finally {
      await sandbox.stop('SIGTERM');
    }
    expect(existsSync(runtimeFile(home))).toBe(false);
  });

  it('`serve --sandbox` registers the sandbox it starts, and prints try-it commands that need no URL', async () => {
    const { env, cwd, home } = isolatedEnv();
    const server = await startCli(['serve', '--sandbox', '--port', '0', '--no-dashboard'], { env, cwd });
    try {
      await expect.poll(() => existsSync(runtimeFile(home))).toBe(true);
      const url = JSON.parse(readFileSync(runtimeFile(home), 'utf8')).url as string;
      expect(server.firstLine).toContain('serve listening on');
      const number = (await (await fetch(`${url}/sandbox/v1/account`)).json()).numbers[0].phoneNumber as string;
      const text = await telephony(['sandbox', 'text', '--from', '+15550007171', '--to', number, 'hello', '--json'], { env, cwd });
      expect(text.code).toBe(0);
      expect(JSON.parse(text.stdout).webhook).toMatchObject({ ok: true, status: 200 });
      // Without --to, the handset texts the sandbox's first number (the one serve answers on).
      const noTo = await telephony(['sandbox', 'text', '--from', '+15550007171', 'hello again', '--json'], { env, cwd });
      expect(noTo.code).toBe(0);
      expect(JSON.parse(noTo.stdout)).toMatchObject({ to: number, webhook: { ok: true } });
    } finally {
      await server.stop('SIGTERM');
    }
    expect(existsSync(runtimeFile(home))).toBe(false);
  });

  it("`serve --sandbox` does not take over an unregistered sandbox on the preferred port (another user's or data folder's)", async () => {
    const theirs = isolatedEnv();
    const sandbox = await startCli(['sandbox', '--json'], { env: theirs.env, cwd: theirs.cwd });
    try {
      const info = JSON.parse(sandbox.firstLine) as { baseUrl: string; numbers: { phoneNumber: string }[] };
      expect(new URL(info.baseUrl).port).toBe(theirs.env.OPENCLAW_TELEPHONY_SANDBOX_PORT);
      const hooks = async () => (await (await fetch(`${info.baseUrl}/sandbox/v1/account`)).json()).numbers[0];
      const before = await hooks();
      // Another data folder, the same preferred port: nothing registered there.
      const mine = isolatedEnv({ OPENCLAW_TELEPHONY_SANDBOX_PORT: theirs.env.OPENCLAW_TELEPHONY_SANDBOX_PORT });
      const server = await startCli(['serve', '--sandbox', '--port', '0', '--no-dashboard'], { env: mine.env, cwd: mine.cwd });
      try {
        await expect.poll(() => existsSync(runtimeFile(mine.home))).toBe(true);
        const ownUrl = JSON.parse(readFileSync(runtimeFile(mine.home), 'utf8')).url as string;
        expect(ownUrl).not.toBe(info.baseUrl);
        expect(await hooks()).toEqual(before);
      } finally {
        await server.stop('SIGTERM');
      }
    } finally {
      await sandbox.stop('SIGTERM');
    }
  });

  it("send, sandbox text and sandbox inbox with --sandbox refuse another user's unregistered sandbox on the preferred port (trial H2)", async () => {
    const theirs = isolatedEnv();
    const sandbox = await startCli(['sandbox', '--json'], { env: theirs.env, cwd: theirs.cwd });
    try {
      const info = JSON.parse(sandbox.firstLine) as { baseUrl: string; accountSid: string; authToken: string };
      expect(new URL(info.baseUrl).port).toBe(theirs.env.OPENCLAW_TELEPHONY_SANDBOX_PORT);
      const theirMessages = async () => {
        const auth = 'Basic ' + Buffer.from(`${info.accountSid}:${info.authToken}`).toString('base64');
        const page = await (await fetch(`${info.baseUrl}/2010-04-01/Accounts/${info.accountSid}/Messages.json?PageSize=1000`, { headers: { authorization: auth } })).json();
        return (page.messages as unknown[]).length;
      };
      const before = await theirMessages();
      // Another user: another data folder with nothing registered, the same preferred port.
      const mine = isolatedEnv({ OPENCLAW_TELEPHONY_SANDBOX_PORT: theirs.env.OPENCLAW_TELEPHONY_SANDBOX_PORT });
      for (const args of [['send', '--sandbox', '+15550007777', 'from another data folder'], ['sandbox', 'text', '--from', '+15550499999', 'cross-user text'], ['sandbox', 'inbox', '+15550007777']]) {
        const res = await telephony(args, { env: mine.env, cwd: mine.cwd });
        expect(res.code, args.join(' ')).toBe(6);
        expect(res.stderr).toContain('No sandbox is registered in');
        expect(res.stderr).toContain('serve --sandbox');
        expect(res.stderr).toContain('OPENCLAW_TELEPHONY_SANDBOX_URL');
      }
      expect(await theirMessages()).toBe(before);
      // Named explicitly, it is used: the user chose it.
      const named = await telephony(['send', '--sandbox', '+15550007777', 'named on purpose', '--json'], { env: { ...mine.env, OPENCLAW_TELEPHONY_SANDBOX_URL: info.baseUrl }, cwd: mine.cwd });
      expect(named.code).toBe(0);
      expect(await theirMessages()).toBe(before + 1);
    } finally {
      await sandbox.stop('SIGTERM');
    }
  });

  it('a registered sandbox that does not answer is named, with a fix that is not "start another"', async () => {
    const { env, cwd, home } = isolatedEnv();
    mkdirSync(path.dirname(runtimeFile(home)), { recursive: true });
    // A live process (this test runner) registered with a URL nothing listens on.
    writeFileSync(runtimeFile(home), JSON.stringify({ url: 'http://127.0.0.1:9', pid: process.pid, startedAt: new Date().toISOString() }));
    const res = await telephony(['sandbox', 'inbox', '+15550007272'], { env, cwd });
    expect(res.code).toBe(6);
    expect(res.stderr).toContain('No sandbox answers at http://127.0.0.1:9');
    expect(res.stderr).toContain('serve --sandbox');
    expect(res.stderr).toContain('find it by themselves');
  });

  it('a file left by a process that is gone is ignored', async () => {
    const { env, cwd, home } = isolatedEnv();
    const sandbox = await startCli(['sandbox', '--json'], { env, cwd });
    try {
      const info = JSON.parse(sandbox.firstLine) as { baseUrl: string };
      // Overwrite the entry with one from a process id that cannot exist: the next sandbox start replaces it.
      writeFileSync(runtimeFile(home), JSON.stringify({ url: 'http://127.0.0.1:9', pid: 2 ** 22 + 12345, startedAt: '' }));
      const second = await startCli(['sandbox', '--port', '0', '--json'], { env, cwd });
      try {
        const secondUrl = JSON.parse(second.firstLine).baseUrl as string;
        expect(JSON.parse(readFileSync(runtimeFile(home), 'utf8')).url).toBe(secondUrl);
        expect(secondUrl).not.toBe(info.baseUrl);
      } finally {
        await second.stop('SIGTERM');
      }
    } finally {
      await sandbox.stop('SIGTERM');
    }
  });
});
