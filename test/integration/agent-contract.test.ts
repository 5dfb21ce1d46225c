/** The agent contract voice builds on: a "voice" channel, streamed replies, and turns cancelled with an AbortSignal. */
import { writeFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAgent, type Turn, wholeReply } from '../../src/agent/agent.js';
import { startAgent } from '../helpers/serve.js';

const voiceTurn: Turn = { channel: 'voice', sessionId: 'voice:+15550001111', from: '+15550001111', to: '+15550002222', text: 'hello there', media: [], callSid: 'CA' + '0'.repeat(32) };

describe('the agent contract', () => {
  it('joins a streamed reply, and passes whole ones through', async () => {
    async function* pieces() {
      yield 'Hello, ';
      yield 'caller.';
    }
    expect(await wholeReply(pieces())).toBe('Hello, caller.');
    expect(await wholeReply('whole')).toBe('whole');
    expect(await wholeReply(null)).toBeNull();
  });

  it('takes a voice turn, and refuses one already cancelled (echo)', async () => {
    const agent = createAgent({ kind: 'echo', timeoutMs: 1000 });
    expect(await agent.turn(voiceTurn)).toBe('echo: hello there');
    const cancelled = new AbortController();
    cancelled.abort(new Error('the caller spoke over the agent'));
    await expect(agent.turn(voiceTurn, { signal: cancelled.signal })).rejects.toThrow('the caller spoke over the agent');
  });

  it('cancels an http turn in flight', async () => {
    const slow = await startAgent(5_000);
    try {
      const agent = createAgent({ kind: 'http', url: slow.url, token: 'agent-secret-token-123', timeoutMs: 10_000 });
      const barge = new AbortController();
      const turn = agent.turn(voiceTurn, { signal: barge.signal });
      await expect.poll(() => slow.turns.length).toBe(1);
      expect(slow.turns[0]).toMatchObject({ channel: 'voice', callSid: voiceTurn.callSid });
      barge.abort(new Error('barge-in'));
      await expect(turn).rejects.toThrow();
      expect(agent.running()).toBe(0);
    } finally {
      await slow.close();
    }
  });

  it('cancels a command turn: the program is stopped', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'oct-agent-'));
    const script = path.join(dir, 'slow-agent.mjs');
    writeFileSync(script, "process.stdin.resume(); setTimeout(() => console.log('too late'), 30000);\n");
    const agent = createAgent({ kind: 'command', command: `"${process.execPath}" "${script}"`, timeoutMs: 60_000 });
    const barge = new AbortController();
    const turn = agent.turn(voiceTurn, { signal: barge.signal });
    await expect.poll(() => agent.running()).toBe(1);
    barge.abort(new Error('the caller hung up'));
    await expect(turn).rejects.toThrow('the caller hung up');
    expect(agent.running()).toBe(0);
  });
});
