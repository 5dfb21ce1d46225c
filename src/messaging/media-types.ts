/**
 * MIME types of MMS media by file extension and back: the handset's files in `sandbox text --media`,
 * and the extension a fetched item is saved under (chosen from its type, never from its URL).
 * This table is what handsets send (webp, txt, ...), wider than mms-limits.ts's table of what Twilio
 * accepts for outbound MMS; the header parsing is mms-limits.ts's.
 */
import { bareContentType } from './mms-limits.js';

const TYPE_BY_EXTENSION: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  bmp: 'image/bmp',
  heic: 'image/heic',
  mp4: 'video/mp4',
  '3gp': 'video/3gpp',
  mov: 'video/quicktime',
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  amr: 'audio/amr',
  ogg: 'audio/ogg',
  wav: 'audio/wav',
  pdf: 'application/pdf',
  vcf: 'text/vcard',
  ics: 'text/calendar',
  csv: 'text/csv',
  txt: 'text/plain',
};

/** Types that name the same thing; compared after this. */
const ALIASES: Record<string, string> = { 'image/jpg': 'image/jpeg', 'image/pjpeg': 'image/jpeg', 'audio/x-wav': 'audio/wav', 'audio/mp3': 'audio/mpeg', 'text/x-vcard': 'text/vcard' };

/** The type of a file by its extension; application/octet-stream when unknown. */
export function contentTypeForFile(name: string): string {
  const ext = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase();
  return TYPE_BY_EXTENSION[ext ?? ''] ?? 'application/octet-stream';
}

/** `image/jpeg; charset=x` and `IMAGE/JPG` are both image/jpeg. */
export function normalizeContentType(type: string): string {
  const bare = bareContentType(type);
  return ALIASES[bare] ?? bare;
}

/** The extension a file of this type is saved with (`bin` when unknown). */
export function extensionForType(type: string): string {
  const normal = normalizeContentType(type);
  return Object.keys(TYPE_BY_EXTENSION).find((ext) => TYPE_BY_EXTENSION[ext] === normal) ?? 'bin';
}
