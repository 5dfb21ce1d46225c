import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, telephony } from '../helpers/cli.js';
import { type ExampleRun, startExample } from '../helpers/example-app.js';

let run: ExampleRun;
beforeAll(async () => {
  run = await startExample('relay-app.mjs', 5);
});
afterAll(() => run?.stop());

describe('the ConversationRelay example', () => {
  it('talks with the example script: the transcript shows the barge-in, and sandbox calls --json has the relay messages and the handoff', async () => {
    const res = await telephony(['sandbox', 'call', '--from', '+15550001234', '--to', run.number, '--script', path.join(REPO, 'examples/voice/relay.json5')], { env: run.env, cwd: run.cwd });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/app: Hello, this is the Open Claw bakery assistant/);
    expect(res.stdout).toMatch(/you: said "what are your opening hours"\n.*app: We are open from seven to six/);
    expect(res.stdout).toMatch(/you: said "a lemon tart please"\n.*app: Today we have .*\[interrupted\]/);
    expect(res.stdout).toMatch(/app: Thank you\. Your order of a lemon tart will be ready in ten minutes/);
    expect(res.stdout).toContain('the script completed');

    const sid = /\((CA[0-9a-f]{32})\)/.exec(res.stdout)![1];
    const view = JSON.parse((await telephony(['sandbox', 'calls', sid, '--json'], { env: run.env, cwd: run.cwd })).stdout);
    const relay = view.timeline.filter((e: { kind: string }) => e.kind === 'relay');
    expect(relay.map((e: { relay: string }) => e.relay)).toEqual(['setup', 'prompt', 'prompt', 'interrupt', 'prompt', 'prompt', 'app', 'session-end']);
    expect(relay.find((e: { relay: string }) => e.relay === 'interrupt').utteranceUntilInterrupt).toMatch(/^Today we have/);
    expect(relay.at(-1)).toMatchObject({ SessionStatus: 'completed', HandoffData: '{"reason":"order-complete","order":["a lemon tart"]}' });
    expect(view.timeline.find((e: { kind: string; text: string }) => e.kind === 'webhook' && e.text.includes('/handoff'))).toMatchObject({ status: 200 });
  });
});
