/**
 * What an agent may attach: its JSON answer read as hostile input, and local files only from inside
 * agent.mediaRoots (after symbolic links are resolved); a refused attachment never loses the text.
 */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { replyParts, wholeReply } from '../../src/agent/agent.js';
import { structuredReply } from '../../src/agent/structured-reply.js';
import type { MediaHost } from '../../src/messaging/outbound-media.js';
import { readyReplyMedia } from '../../src/server/reply-media.js';
import type { Store } from '../../src/store/open-store.js';
import { message, messagingResponse } from '../../src/twilio/twiml.js';

const home = mkdtempSync(path.join(os.tmpdir(), 'oct-reply-media-'));
const outbox = path.join(home, 'outbox');
mkdirSync(outbox);
const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(100)]);
writeFileSync(path.join(outbox, 'chart.png'), png);
writeFileSync(path.join(home, 'secret.png'), png);
// A link inside the root that leads out of it (Windows allows links only with developer mode or as
// administrator: without, the check of links is left to the other systems).
const canLink = (() => {
  try {
    symlinkSync(path.join(home, 'secret.png'), path.join(outbox, 'link.png'));
    return true;
  } catch {
    return false;
  }
})();

/** A host that records what it would store instead of writing to a store. */
function recordingHost(): MediaHost & { stored: number } {
  const host = {
    stored: 0,
    store: { queryBuilder: async () => ({ insertInto: () => ({ values: () => ({ execute: async () => void host.stored++ }) }) }) } as unknown as Store,
    publicBase: async () => 'https://bot.example.com',
    mediaPath: '/telephony/media',
    ttlMs: 60_000,
    noPublicUrlHint: 'no public URL',
  };
  return host;
}

describe("an agent's reply with attachments", () => {
  it('reads {reply, media} as hostile JSON: strings only, at most 10, other documents are not replies with media', () => {
    expect(structuredReply({ reply: 'hi', media: ['a.png', 3, null, '', 'https://x.example/b.png'] })).toEqual({
      text: 'hi',
      media: ['a.png', 'https://x.example/b.png'],
      dropped: ['3 "media" item(s) that are not a file or URL (not a non-empty string)'],
    });
    expect(structuredReply({ reply: 'only text' })).toBe('only text');
    expect(structuredReply({ reply: 'only text', media: [] })).toBe('only text');
    expect(structuredReply({ media: Array.from({ length: 12 }, (_, i) => `${i}.png`) })).toEqual({
      text: null,
      media: Array.from({ length: 10 }, (_, i) => `${i}.png`),
      dropped: ['2 "media" item(s) past the first 10 (an MMS carries at most 10)'],
    });
    expect(structuredReply({ other: 1 })).toBeUndefined();
    expect(structuredReply(['reply'])).toBeUndefined();
    expect(structuredReply('text')).toBeUndefined();
  });

  it('a reply that is not text, or media that is not a list, is named in dropped instead of becoming "nothing to say" silently', async () => {
    expect(structuredReply({ reply: 123 })).toEqual({ text: null, media: [], dropped: ['"reply" is a number, not text'] });
    expect(structuredReply({ reply: { text: 'hi' }, media: 'a.png' })).toEqual({ text: null, media: [], dropped: ['"reply" is an object, not text', '"media" is a string, not a list'] });
    expect(await replyParts({ text: 'x', media: [], dropped: ['why'] })).toEqual({ text: 'x', media: [], dropped: ['why'] });
  });

  it('keeps the attachments through replyParts; wholeReply gives the text alone', async () => {
    expect(await replyParts({ text: 'see', media: ['x.png'] })).toEqual({ text: 'see', media: ['x.png'] });
    expect(await replyParts('plain')).toEqual({ text: 'plain', media: [] });
    expect(await wholeReply({ text: 'see', media: ['x.png'] })).toBe('see');
  });

  it('sends files inside agent.mediaRoots and URLs; refuses files outside, links leading out, and missing files', async () => {
    const host = recordingHost();
    const ready = await readyReplyMedia(
      [path.join(outbox, 'chart.png'), 'https://example.com/map.png', path.join(home, 'secret.png'), ...(canLink ? [path.join(outbox, 'link.png')] : []), path.join(outbox, 'none.png'), path.join(outbox, '..', 'secret.png')],
      [outbox],
      host,
    );
    expect(ready.urls).toHaveLength(2);
    expect(ready.urls[0]).toMatch(/^https:\/\/bot\.example\.com\/telephony\/media\/[A-Za-z0-9_-]{43}$/);
    expect(ready.urls[1]).toBe('https://example.com/map.png');
    expect(ready.record[0]).toMatch(/^file:image\/png:[0-9a-f]{64}$/);
    expect(host.stored).toBe(1);
    expect(ready.refused).toHaveLength(canLink ? 4 : 3);
    expect(ready.refused.filter((r) => r.includes('outside agent.mediaRoots'))).toHaveLength(canLink ? 3 : 2);
    expect(ready.refused.some((r) => r.includes('does not exist'))).toBe(true);
  });

  it('refuses every local file when agent.mediaRoots is empty, and drops everything (text kept) when a file breaks a limit', async () => {
    const none = await readyReplyMedia([path.join(outbox, 'chart.png')], [], recordingHost());
    expect(none.urls).toEqual([]);
    expect(none.refused[0]).toContain('outside agent.mediaRoots (none set)');
    writeFileSync(path.join(outbox, 'big.pdf'), Buffer.alloc(500_001));
    const big = await readyReplyMedia([path.join(outbox, 'big.pdf')], [outbox], recordingHost());
    expect(big.urls).toEqual([]);
    expect(big.refused[0]).toContain('at most 500 KB of application/pdf');
  });

  it('puts the media in TwiML <Media> with the first message only, escaped', () => {
    expect(message('a & b', undefined, ['https://x.example/m?a=1&b=2'])).toBe('<Message><Body>a &amp; b</Body><Media>https://x.example/m?a=1&amp;b=2</Media></Message>');
    expect(messagingResponse(['one', 'two'], undefined, ['https://x.example/1.png'])).toContain('<Message><Body>one</Body><Media>https://x.example/1.png</Media></Message><Message>two</Message>');
  });
});
