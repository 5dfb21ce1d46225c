/** The command agent's environment and process tree (#16 items 4 and 5), with real child processes. */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAgent, type Turn } from '../../src/agent/agent.js';
import { agentEnvironment } from '../../src/agent/child-env.js';
import { ConfigError } from '../../src/errors.js';
import { isRunning } from '../helpers/processes.js';

const turn: Turn = { channel: 'sms', sessionId: 'sms:+15550001111', from: '+15550001111', to: '+15550002222', text: 'hi', media: [], messageSid: 'SM1' };
const PRINT_ENV = `"${process.execPath}" "${path.resolve(__dirname, '../fixtures/agent-print-env.mjs')}"`;

const planted = { TWILIO_AUTH_TOKEN: 'tw-secret-token-1234', OPENCLAW_AGENT_TOKEN: 'oc-secret-token-1234', NGROK_AUTHTOKEN: 'ng-secret-token-1234', DATABASE_PASSWORD: 'db-secret-1234', AGENT_API_KEY: 'for-the-agent-1234' };
afterEach(() => {
  for (const name of Object.keys(planted)) delete process.env[name];
});

describe('command agent environment', () => {
  it('gets PATH, home, temp and locale, and what agent.env names; never Twilio, OpenClaw or ngrok variables', async () => {
    Object.assign(process.env, planted, { LC_ALL: 'C.UTF-8' });
    const agent = createAgent({ kind: 'command', command: PRINT_ENV, env: ['AGENT_API_KEY'], timeoutMs: 20_000 });
    const env = JSON.parse((await agent.turn(turn))!) as Record<string, string>;
    expect(env.PATH).toBe(process.env.PATH);
    expect(env.HOME).toBe(process.env.HOME);
    expect(env.LC_ALL).toBe('C.UTF-8');
    expect(env.AGENT_API_KEY).toBe('for-the-agent-1234');
    expect(env.DATABASE_PASSWORD).toBeUndefined();
    expect(Object.keys(env).filter((k) => /^(TWILIO_|OPENCLAW_|NGROK_)/.test(k))).toEqual([]);
    for (const secret of Object.values(planted).filter((v) => v !== planted.AGENT_API_KEY)) expect(JSON.stringify(env)).not.toContain(secret);
  });

  it('refuses an agent.env that names a Twilio, OpenClaw or ngrok variable', () => {
    expect(() => createAgent({ kind: 'command', command: 'true', env: ['TWILIO_AUTH_TOKEN'], timeoutMs: 1000 })).toThrow(ConfigError);
    expect(() => createAgent({ kind: 'command', command: 'true', env: ['ngrok_authtoken'], timeoutMs: 1000 })).toThrow(/never gets Twilio, OpenClaw or ngrok/);
  });

  it('on Windows keeps the system variables a runtime needs, whatever their case', () => {
    const env = agentEnvironment({ Path: 'C:\\Windows', SystemRoot: 'C:\\Windows', ComSpec: 'cmd.exe', PATHEXT: '.EXE', USERPROFILE: 'C:\\Users\\me', TEMP: 'C:\\Temp', TWILIO_AUTH_TOKEN: 'x', Secret: 'y' }, [], 'win32');
    expect(env).toEqual({ Path: 'C:\\Windows', SystemRoot: 'C:\\Windows', ComSpec: 'cmd.exe', PATHEXT: '.EXE', USERPROFILE: 'C:\\Users\\me', TEMP: 'C:\\Temp' });
  });
});

describe.skipIf(process.platform === 'win32')('command agent process tree (POSIX)', () => {
  // `sh -c 'cat; sleep 47'`, with the grandchild's pid written down so the test can watch it.
  const sleeper = (pidFile: string) => `sh -c 'cat >/dev/null; sleep 47 & echo $! > ${pidFile}; wait'`;
  const pidFile = () => path.join(mkdtempSync(path.join(os.tmpdir(), 'oct-agent-')), 'sleep.pid');
  const sleepPid = async (file: string) => {
    await expect.poll(() => existsSync(file) && readFileSync(file, 'utf8').trim() !== '').toBe(true);
    return Number(readFileSync(file, 'utf8'));
  };

  it('a timeout fails the turn at once and kills every process the command started', async () => {
    const file = pidFile();
    const agent = createAgent({ kind: 'command', command: sleeper(file), timeoutMs: 500 });
    const started = performance.now();
    const result = agent.turn(turn);
    const pid = await sleepPid(file);
    await expect(result).rejects.toThrow(/longer than agent.timeoutMs \(500 ms\)/);
    expect(performance.now() - started).toBeLessThan(10_000);
    await expect.poll(() => isRunning(pid)).toBe(false);
    expect(agent.running()).toBe(0);
  });

  it('close() abandons the running turns and kills their trees', async () => {
    const file = pidFile();
    const agent = createAgent({ kind: 'command', command: sleeper(file), timeoutMs: 60_000 });
    const result = agent.turn(turn);
    const pid = await sleepPid(file);
    expect(agent.running()).toBe(1);
    await agent.close();
    await expect(result).rejects.toThrow(/serve is stopping/);
    await expect.poll(() => isRunning(pid)).toBe(false);
  });

  it('a command that exits leaves nothing running behind it', async () => {
    const file = pidFile();
    const agent = createAgent({ kind: 'command', command: `sh -c 'cat >/dev/null; sleep 47 & echo $! > ${file}; echo done'`, timeoutMs: 20_000 });
    expect(await agent.turn(turn)).toBe('done');
    await expect.poll(() => isRunning(Number(readFileSync(file, 'utf8')))).toBe(false);
  });
});

describe('command agent given as a list', () => {
  it('runs the program directly with each argument as it is: no shell expands, splits or chains anything', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'oct agent with spaces '));
    const script = path.join(dir, 'print args.mjs');
    writeFileSync(script, 'process.stdin.resume(); process.stdin.on("end", () => process.stdout.write(JSON.stringify(process.argv.slice(2))));');
    const args = ['$HOME', 'a b', '; echo chained', '%PATH%', '"quoted"'];
    const agent = createAgent({ kind: 'command', command: [process.execPath, script, ...args], timeoutMs: 20_000 });
    expect(JSON.parse((await agent.turn(turn))!)).toEqual(args);
  });

  it('names the program it could not start', async () => {
    const agent = createAgent({ kind: 'command', command: [path.join(os.tmpdir(), 'no-such-agent-program')], timeoutMs: 20_000 });
    await expect(agent.turn(turn)).rejects.toThrow(/agent command: ".*no-such-agent-program" could not be started \(ENOENT\); give its full path/);
  });
});
