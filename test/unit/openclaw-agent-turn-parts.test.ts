/**
 * The Gateway agent's turn: OpenClaw's agent reads the text with a line for each attachment (type,
 * size, local file) and each unavailable one (its notice); what it asks to deliver becomes one reply,
 * https attachments kept as MMS media and the rest named for the operator, never dropped silently.
 */
import { describe, expect, it } from 'vitest';
import { replyParts } from '../../src/agent/agent.js';
import { createDeliveredReply, inboundBody } from '../../src/openclaw/agent-turn-parts.js';

describe("the Gateway agent's turn", () => {
  it('shows the agent each attachment and each notice of one it does not get, after the text', () => {
    const body = inboundBody({
      text: 'look',
      media: [{ index: 0, path: '/tmp/in/0.jpg', contentType: 'image/jpeg', size: 3000 }],
      mediaUnavailable: [{ index: 1, contentType: 'video/mp4', reason: 'too-large', notice: 'The video was too large to receive; ask for a smaller one.' }],
    });
    expect(body).toBe('look\n[Attachment 1: image/jpeg, 3000 bytes, saved at /tmp/in/0.jpg]\n[Attachment 2 not available (too-large): The video was too large to receive; ask for a smaller one.]');
    expect(inboundBody({ text: 'plain', media: [] })).toBe('plain');
  });

  it('sends https mediaUrls as MMS media and names the others as dropped', async () => {
    const delivered = createDeliveredReply();
    expect(delivered.empty).toBe(true);
    delivered.add({ text: 'Here it is', mediaUrls: ['https://cdn.example/a.png', '/home/me/b.png', 'http://plain.example/c.png'] });
    delivered.add({ text: 'And more' });
    expect(delivered.empty).toBe(false);
    expect(await replyParts(delivered.reply())).toEqual({
      text: 'Here it is\n\nAnd more',
      media: ['https://cdn.example/a.png'],
      dropped: [expect.stringContaining('not an https URL'), expect.stringContaining('not an https URL')],
    });
  });

  it('a text-only answer stays plain text', () => {
    const delivered = createDeliveredReply();
    delivered.add({ text: 'hi' });
    expect(delivered.reply()).toBe('hi');
    expect(createDeliveredReply().reply()).toBeNull();
  });
});
