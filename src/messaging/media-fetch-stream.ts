/**
 * A download written to disk as it arrives, with its size cap enforced while streaming: the bytes past
 * the cap are never read, and a partial file is removed. The file is created owner-only and never
 * over an existing one.
 */
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export class MediaTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`larger than ${limit} bytes`);
  }
}

/** Writes `source` to `file`; returns the byte count, or throws MediaTooLargeError past `maxBytes`. */
export async function streamToFile(source: AsyncIterable<Uint8Array>, file: string, maxBytes: number, signal?: AbortSignal): Promise<number> {
  let size = 0;
  const cap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size > maxBytes) done(new MediaTooLargeError(maxBytes));
      else done(null, chunk);
    },
  });
  try {
    await pipeline(source, cap, createWriteStream(file, { flags: 'wx', mode: 0o600 }), { signal });
    return size;
  } catch (err) {
    // Not a file someone else made (the open refused it), only our partial one.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') await rm(file, { force: true });
    throw err;
  }
}
