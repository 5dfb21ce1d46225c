import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, telephony } from '../helpers/cli.js';
import { type ExampleRun, startExample } from '../helpers/example-app.js';

let run: ExampleRun;
beforeAll(async () => {
  // --speed 10: the example's prompts play ten times faster than on a phone.
  run = await startExample('bakery-app.mjs', 10);
});
afterAll(() => run?.stop());

describe('openclaw telephony sandbox call', () => {
  it('runs the example script against the example app and prints the transcript turn by turn', async () => {
    const res = await telephony(['sandbox', 'call', '--from', '+15550001234', '--to', run.number, '--script', path.join(REPO, 'examples/voice/bakery.json5')], { env: run.env, cwd: run.cwd });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/app: Welcome to the Open Claw bakery/);
    expect(res.stdout).toMatch(/you: pressed 1/);
    expect(res.stdout).toMatch(/app: We are open from seven to six/);
    expect(res.stdout).toMatch(/you: said "a loaf of rye bread"/);
    expect(res.stdout).toMatch(/app: One a loaf of rye bread, coming up/);
    expect(res.stdout).toContain('the script completed');
  });

  it('exits 1 and names what was heard when an expect fails; --json gives the timeline', async () => {
    const script = path.join(run.home, 'wrong.json5');
    writeFileSync(script, "{ steps: [ { expect: 'pizza', within: 3 } ] }");
    const res = await telephony(['sandbox', 'call', '--from', '+15550001234', '--to', run.number, '--script', script, '--json'], { env: run.env, cwd: run.cwd });
    expect(res.code).toBe(1);
    const view = JSON.parse(res.stdout);
    expect(view.script.ok).toBe(false);
    expect(view.script.failure).toContain('Welcome to the Open Claw bakery');
    const listed = JSON.parse((await telephony(['sandbox', 'calls', '--json'], { env: run.env, cwd: run.cwd })).stdout);
    expect(listed.calls.map((c: { callSid: string }) => c.callSid)).toContain(view.callSid);
    const one = await telephony(['sandbox', 'calls', view.callSid], { env: run.env, cwd: run.cwd });
    expect(one.stdout).toContain('app: Welcome');
  });

  it('refuses a broken script with the step and the fix, sending nothing', async () => {
    const script = path.join(run.home, 'broken.json5');
    writeFileSync(script, "{ steps: [ { expect: 'hi' }, { press: 'abc' } ] }");
    const res = await telephony(['sandbox', 'call', '--from', '+15550001234', '--to', run.number, '--script', script], { env: run.env, cwd: run.cwd });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('step 2: press takes keys 0-9');
  });

  it('prints terminal-safe text when the app says control characters', async () => {
    const res = await telephony(['sandbox', 'call', '--from', '+15550001234', '--to', run.number, '--say', 'a \u001b]0;pwned\u0007 cake'], { env: run.env, cwd: run.cwd });
    expect(res.code).toBe(0);
    expect(res.stdout).not.toContain('\u001b');
    expect(res.stdout).toContain('\\x1b]0;pwned');
  });
});
