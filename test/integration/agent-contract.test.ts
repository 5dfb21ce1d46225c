/** The agent contract voice builds on: a "voice" channel, streamed replies, and turns cancelled with an AbortSignal. */
import { writeFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAgent, replyParts, type Turn, wholeReply } from '../../src/agent/agent.js';
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

  it("names an MMS's files and unavailable items (echo)", async () => {
    const agent = createAgent({ kind: 'echo', timeoutMs: 1000 });
    const mms: Turn = {
      ...voiceTurn,
      channel: 'sms',
      text: 'look',
      media: [{ index: 0, path: '/tmp/x/1.jpg', contentType: 'image/jpeg', size: 40000 }],
      mediaUnavailable: [{ index: 1, contentType: 'image/png', reason: 'too-large', notice: 'Attachment 2 (image/png) is too large.' }],
    };
    expect(await agent.turn(mms)).toBe('echo: look [image/jpeg, 40000 bytes] [unavailable: too-large]');
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

  it('takes attachments from an http answer {reply, media} and from a command printing the same JSON', async () => {
    const answer = { reply: 'Here is the chart', media: ['/srv/out/chart.png', 'https://example.com/map.png'] };
    const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer)));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const http = createAgent({ kind: 'http', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/turn`, timeoutMs: 10_000 });
      expect(await replyParts(await http.turn(voiceTurn))).toEqual({ text: answer.reply, media: answer.media });
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
    const dir = mkdtempSync(path.join(os.tmpdir(), 'oct-agent-'));
    const script = path.join(dir, 'media-agent.mjs');
    writeFileSync(script, `process.stdin.resume(); process.stdin.on('end', () => console.log(${JSON.stringify(JSON.stringify(answer))}));\n`);
    const command = createAgent({ kind: 'command', command: `"${process.execPath}" "${script}"`, timeoutMs: 60_000 });
    expect(await replyParts(await command.turn(voiceTurn))).toEqual({ text: answer.reply, media: answer.media });
    // Plain text, and JSON that is not a reply document, stay text as before.
    const plain = path.join(dir, 'plain-agent.mjs');
    writeFileSync(plain, `process.stdin.resume(); process.stdin.on('end', () => console.log('{"price": 3}'));\n`);
    expect(await createAgent({ kind: 'command', command: `"${process.execPath}" "${plain}"`, timeoutMs: 60_000 }).turn(voiceTurn)).toBe('{"price": 3}');
  });
});
