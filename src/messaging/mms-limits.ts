/**
 * Twilio's rules for MMS media, in one table that the product (checks before sending) and the sandbox
 * (checks what it fetched, as Twilio does) both read: the content types Twilio accepts, at most 10
 * items, 5 MB for the images Twilio formats for handsets (JPEG, PNG, GIF) and 500 KB for every other
 * accepted type (carriers refuse bigger non-image parts), and 5 MB for the whole message.
 * Source: Twilio's "Accepted content types for media" page and error 30019.
 */

export const MAX_MEDIA_ITEMS = 10;
export const MAX_MESSAGE_MEDIA_BYTES = 5_000_000;
export const MAX_IMAGE_BYTES = 5_000_000;
export const MAX_OTHER_MEDIA_BYTES = 500_000;

/** The images Twilio fully supports (resized for the handset): the 5 MB limit applies to these. */
const FULL_SUPPORT = new Set(['image/jpeg', 'image/jpg', 'image/gif', 'image/png']);

/** File extension -> the content type served for it; every type here is one Twilio accepts for MMS. */
export const MEDIA_TYPE_BY_EXTENSION: Readonly<Record<string, string>> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  bmp: 'image/bmp',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  heic: 'image/heic',
  heif: 'image/heif',
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  aac: 'audio/aac',
  ogg: 'audio/ogg',
  oga: 'audio/ogg',
  wav: 'audio/vnd.wave',
  amr: 'audio/amr',
  mp4: 'video/mp4',
  m4v: 'video/mp4',
  mpeg: 'video/mpeg',
  mpg: 'video/mpeg',
  mov: 'video/quicktime',
  webm: 'video/webm',
  '3gp': 'video/3gpp',
  '3g2': 'video/3gpp2',
  vcf: 'text/vcard',
  csv: 'text/csv',
  rtf: 'text/rtf',
  ics: 'text/calendar',
  pdf: 'application/pdf',
  pkpass: 'application/vnd.apple.pkpass',
};

/** Accepted besides those named by an extension above (Twilio's list). */
const ALSO_ACCEPTED = [
  'audio/basic', 'audio/L24', 'audio/vorbis', 'audio/vnd.rn-realaudio', 'audio/3gpp', 'audio/3gpp2', 'audio/ac3', 'audio/webm', 'audio/amr-nb',
  'video/3gpp-tt', 'video/H261', 'video/H263', 'video/H263-1998', 'video/H263-2000', 'video/H264', 'video/mpeg4',
  'text/x-vcard', 'text/richtext', 'text/directory', 'application/vcard',
];

const ACCEPTED = new Set([...Object.values(MEDIA_TYPE_BY_EXTENSION), ...FULL_SUPPORT, ...ALSO_ACCEPTED].map((t) => t.toLowerCase()));

/** `image/JPEG; charset=x` -> `image/jpeg`. */
export function bareContentType(header: string | null | undefined): string {
  return (header ?? '').split(';')[0].trim().toLowerCase();
}

export function isAcceptedMediaType(contentType: string): boolean {
  return ACCEPTED.has(bareContentType(contentType));
}

/** The largest part of this type Twilio will send. */
export function maxBytesFor(contentType: string): number {
  return FULL_SUPPORT.has(bareContentType(contentType)) ? MAX_IMAGE_BYTES : MAX_OTHER_MEDIA_BYTES;
}

/** Human sizes for errors: 5,000,000 bytes -> "5 MB", 500,000 -> "500 KB". */
export function describeBytes(n: number): string {
  if (n >= 1_000_000) return `${Math.round(n / 100_000) / 10} MB`;
  if (n >= 1_000) return `${Math.round(n / 100) / 10} KB`;
  return `${n} bytes`;
}

/**
 * The first bytes of the images Twilio formats: Twilio refuses a file whose Content-Type does not
 * match what it is, so a `.jpg` that is not a JPEG is caught here rather than failing after sending.
 */
const SIGNATURES: Record<string, readonly number[][]> = {
  'image/jpeg': [[0xff, 0xd8, 0xff]],
  'image/png': [[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
  'image/gif': [[0x47, 0x49, 0x46, 0x38]],
};

/** False when the type has a known signature and the bytes do not start with it. */
export function bytesMatchType(bytes: Uint8Array, contentType: string): boolean {
  const signatures = SIGNATURES[bareContentType(contentType)];
  if (!signatures) return true;
  return signatures.some((sig) => sig.every((b, i) => bytes[i] === b));
}
