/**
 * The Gateway agent's turn: OpenClaw's agent gets the fetched attachments as media facts and the
 * notices of unavailable ones in the text; what it asks to deliver becomes one reply, https URLs and
 * local files handed to serve's reply pipeline and the rest named for the operator, never dropped silently.
 */
import { describe, expect, it } from 'vitest';
import { replyParts } from '../../src/agent/agent.js';
import { createDeliveredReply, inboundBody, inboundMediaFacts } from '../../src/openclaw/agent-turn-parts.js';

describe("the Gateway agent's turn", () => {
  it('passes the fetched attachments as media facts and keeps the notices of missing ones in the text', () => {
    const turn = {
      text: 'look',
      messageSid: 'MM123',
      media: [{ index: 0, path: '/tmp/in/0.jpg', contentType: 'image/jpeg', size: 3000 }],
      mediaUnavailable: [{ index: 1, contentType: 'video/mp4', reason: 'too-large' as const, notice: 'The video was too large to receive; ask for a smaller one.' }],
    };
    expect(inboundBody(turn)).toBe('look\n[Attachment 2 not available (too-large): The video was too large to receive; ask for a smaller one.]');
    expect(inboundMediaFacts(turn)).toEqual([{ path: '/tmp/in/0.jpg', contentType: 'image/jpeg', messageId: 'MM123' }]);
    expect(inboundBody({ text: 'plain' })).toBe('plain');
    expect(inboundMediaFacts({ media: [] })).toEqual([]);
  });

  it('hands https URLs and local files to the reply pipeline, and names what Twilio cannot fetch as dropped', async () => {
    const delivered = createDeliveredReply();
    expect(delivered.empty).toBe(true);
    delivered.add({ text: 'Here it is', mediaUrls: ['https://cdn.example/a.png', '/home/me/b.png', 'file:///home/me/c.png', 'http://plain.example/d.png', 'media://inbound/e.png'] });
    delivered.add({ text: 'And more' });
    expect(delivered.empty).toBe(false);
    expect(await replyParts(delivered.reply())).toEqual({
      text: 'Here it is\n\nAnd more',
      media: ['https://cdn.example/a.png', '/home/me/b.png', 'file:///home/me/c.png'],
      dropped: [expect.stringContaining('plain http URL'), expect.stringContaining('media: is neither https nor a local file')],
    });
  });

  it('a text-only answer stays plain text', () => {
    const delivered = createDeliveredReply();
    delivered.add({ text: 'hi' });
    expect(delivered.reply()).toBe('hi');
    expect(createDeliveredReply().reply()).toBeNull();
  });
});
