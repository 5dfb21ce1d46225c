/** Local media checked against Twilio's limits before anything is sent. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { inspectMedia, localMediaPath, mediaFingerprint, safeFilename } from '../../src/messaging/outbound-media.js';
import { bytesMatchType, isAcceptedMediaType, maxBytesFor } from '../../src/messaging/mms-limits.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'oct-media-limits-'));
const file = (name: string, bytes: Buffer) => {
  writeFileSync(path.join(dir, name), bytes);
  return path.join(dir, name);
};
const jpeg = (n: number) => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.alloc(n - 3)]);

describe('MMS media limits', () => {
  it("knows Twilio's types and sizes", () => {
    expect(isAcceptedMediaType('image/JPEG; charset=binary')).toBe(true);
    expect(isAcceptedMediaType('text/html')).toBe(false);
    expect(isAcceptedMediaType('application/octet-stream')).toBe(false);
    expect(maxBytesFor('image/png')).toBe(5_000_000);
    expect(maxBytesFor('video/mp4')).toBe(500_000);
    expect(bytesMatchType(Buffer.from('GIF89a'), 'image/gif')).toBe(true);
    expect(bytesMatchType(Buffer.from('<html>'), 'image/png')).toBe(false);
    expect(bytesMatchType(Buffer.from('anything'), 'application/pdf')).toBe(true);
  });

  it('tells URLs, local paths (Windows drives and file: URLs included) and refused schemes apart', () => {
    expect(localMediaPath('https://example.com/a.jpg')).toBeUndefined();
    expect(localMediaPath('./a.jpg')).toBe('./a.jpg');
    expect(localMediaPath('C:\\photos\\a.jpg')).toBe('C:\\photos\\a.jpg');
    expect(localMediaPath(pathToFileURL(path.join(dir, 'a.jpg')).href)).toBe(path.join(dir, 'a.jpg'));
    expect(() => localMediaPath('ftp://example.com/a.jpg')).toThrow('neither an http(s) URL nor a local file');
  });

  it('at the limit passes; one byte over, a total over 5 MB, or 11 items is refused', async () => {
    const atLimit = file('limit.jpg', jpeg(5_000_000));
    expect((await inspectMedia([atLimit]))[0]).toMatchObject({ kind: 'file', contentType: 'image/jpeg' });
    await expect(inspectMedia([file('over.jpg', jpeg(5_000_001))])).rejects.toMatchObject({ code: 'media_too_large' });
    const vcard = file('card.vcf', Buffer.alloc(500_000, 65));
    expect((await inspectMedia([vcard]))[0]).toMatchObject({ contentType: 'text/vcard' });
    await expect(inspectMedia([file('card2.vcf', Buffer.alloc(500_001, 65))])).rejects.toMatchObject({ code: 'media_too_large' });
    await expect(inspectMedia([atLimit, file('small.jpg', jpeg(10))])).rejects.toThrow('add up to 5 MB, over Twilio');
    await expect(inspectMedia(Array.from({ length: 11 }, () => 'https://example.com/a.jpg'))).rejects.toMatchObject({ code: 'too_many_media' });
  });

  it('refuses a type Twilio does not accept and an image whose bytes are not what its name says', async () => {
    await expect(inspectMedia([file('page.html', Buffer.from('<html>'))])).rejects.toMatchObject({ code: 'media_type' });
    await expect(inspectMedia([file('fake.png', Buffer.from('not a png'))])).rejects.toThrow('is named .png but is not a image/png file');
    await expect(inspectMedia([dir])).rejects.toMatchObject({ code: 'media_type' });
    await expect(inspectMedia([path.join(dir, 'folder.jpg')])).rejects.toMatchObject({ code: 'media_unreadable' });
  });

  it('counts files by content in the fingerprint, and makes short, plain file names', async () => {
    const a = file('same-a.jpg', jpeg(100));
    const b = file('same-b.jpg', jpeg(100));
    expect(mediaFingerprint(await inspectMedia([a]))).toEqual(mediaFingerprint(await inspectMedia([b])));
    expect(mediaFingerprint(await inspectMedia(['https://example.com/x.png']))).toEqual(['https://example.com/x.png']);
    expect(safeFilename('My Holiday Photo (1).jpeg', 'jpeg')).toBe('My_Holiday_Phot.jpeg');
    expect(safeFilename('$$$.png', 'png')).toBe('_.png');
  });
});
