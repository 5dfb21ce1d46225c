/**
 * The attachment of a send OpenClaw asks for: a URL passes; a local file only inside the folders
 * OpenClaw's media policy hands over (by its real path, so a link inside cannot lead out), or
 * anywhere when OpenClaw says "any"; anything else is refused before a message exists.
 */
import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { permittedMedia } from '../../src/openclaw/outbound-media-access.js';

const base = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'oct-oc-media-')));
const allowed = path.join(base, 'media');
const elsewhere = path.join(base, 'private');
mkdirSync(allowed);
mkdirSync(elsewhere);
const inside = path.join(allowed, 'chart.png');
const outside = path.join(elsewhere, 'key.png');
writeFileSync(inside, 'x');
writeFileSync(outside, 'x');
// Windows creates symbolic links only with a privilege or developer mode: without it, that case is skipped there.
const link = path.join(allowed, 'link.png');
const haveLink = (() => {
  try {
    symlinkSync(outside, link);
    return true;
  } catch {
    return false;
  }
})();

const send = (mediaUrl: string, localRoots: readonly string[] | 'any' = [allowed]) => permittedMedia({ cfg: {}, mediaUrl, mediaAccess: { localRoots } });

describe("OpenClaw's sendMedia attachment", () => {
  it('passes URLs as they are, and a file inside the allowed folders by its real path', async () => {
    expect(await send('https://cdn.example/a.png')).toBe('https://cdn.example/a.png');
    expect(await send(inside)).toBe(inside);
    expect(await send(pathToFileURL(inside).href)).toBe(inside);
    expect(await send(outside, 'any')).toBe(outside);
  });

  it('refuses a file outside them, a link leading out, a missing file and a scheme Twilio cannot fetch', async () => {
    await expect(send(outside)).rejects.toMatchObject({ code: 'media_outside_roots' });
    if (haveLink) await expect(send(link)).rejects.toMatchObject({ code: 'media_outside_roots' });
    await expect(send(path.join(allowed, 'missing.png'))).rejects.toMatchObject({ code: 'media_unreadable' });
    await expect(send('ftp://example.com/a.png')).rejects.toMatchObject({ code: 'invalid_media_url' });
  });
});
