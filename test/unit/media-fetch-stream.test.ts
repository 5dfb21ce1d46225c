import { mkdtempSync, readFileSync, statSync, existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MediaTooLargeError, streamToFile } from '../../src/messaging/media-fetch-stream.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'media-stream-'));

describe('media streamed to disk under a cap', () => {
  it('writes the bytes to an owner-only file and returns the size', async () => {
    const file = path.join(dir, 'ok.bin');
    async function* parts() {
      yield Buffer.from('hello ');
      yield Buffer.from('world');
    }
    expect(await streamToFile(parts(), file, 11)).toBe(11);
    expect(readFileSync(file, 'utf8')).toBe('hello world');
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('stops reading an endless source at the cap, while streaming, and leaves no file', async () => {
    const file = path.join(dir, 'endless.bin');
    let pulled = 0;
    async function* endless() {
      for (;;) {
        pulled++;
        yield Buffer.alloc(1024, 7);
      }
    }
    await expect(streamToFile(endless(), file, 10 * 1024)).rejects.toBeInstanceOf(MediaTooLargeError);
    // The eleventh KiB passes the cap; a few more may be in the pipe, never the source's whole.
    expect(pulled).toBeGreaterThanOrEqual(11);
    expect(pulled).toBeLessThan(40);
    expect(existsSync(file)).toBe(false);
  });

  it('never writes over an existing file (nor removes it)', async () => {
    const file = path.join(dir, 'taken.bin');
    writeFileSync(file, 'mine');
    async function* one() {
      yield Buffer.from('theirs');
    }
    await expect(streamToFile(one(), file, 100)).rejects.toMatchObject({ code: 'EEXIST' });
    expect(readFileSync(file, 'utf8')).toBe('mine');
  });
});
