/**
 * The terminal's keyboard as Ink reads it, minus the escape sequences Ink cannot name (see
 * key-sequences.ts). Ink gets this stream as its `stdin`: it enables raw mode, reads `readable`
 * chunks, and its input handlers run inside this stream's `emit`, so an exception from them is caught
 * here and handed to `onFailure` (the dashboard is then taken down) instead of killing `serve`.
 */
import { PassThrough } from 'node:stream';
import { filterKeySequences, flushHeld } from './key-sequences.js';

/** How long an unfinished sequence waits for the rest of its bytes before it counts as finished. */
const HOLD_MS = 40;

interface TerminalStdin extends NodeJS.ReadableStream {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
  ref?(): unknown;
  unref?(): unknown;
}

export class KeyboardInput extends PassThrough {
  readonly isTTY = true;
  private held = '';
  private holdTimer: NodeJS.Timeout | undefined;
  private readonly onData = (chunk: Buffer | string) => this.filterChunk(chunk.toString());

  constructor(
    private readonly source: TerminalStdin,
    private readonly onFailure: (err: unknown) => void,
  ) {
    super({ encoding: 'utf8' });
    source.setEncoding('utf8');
    source.on('data', this.onData);
  }

  override emit(event: string | symbol, ...args: unknown[]): boolean {
    try {
      return super.emit(event, ...args);
    } catch (err) {
      this.onFailure(err);
      return true;
    }
  }

  setRawMode(mode: boolean): this {
    this.source.setRawMode?.(mode);
    return this;
  }

  ref(): this {
    this.source.ref?.();
    return this;
  }

  unref(): this {
    this.source.unref?.();
    return this;
  }

  /** Stops reading the terminal (the dashboard is gone): raw mode off, the terminal no longer keeps serve alive. */
  release(): void {
    clearTimeout(this.holdTimer);
    this.source.removeListener('data', this.onData);
    try {
      this.source.setRawMode?.(false);
    } catch {
      // A terminal already closed has no mode to restore.
    }
    this.source.pause();
    this.source.unref?.();
  }

  private filterChunk(chunk: string): void {
    clearTimeout(this.holdTimer);
    const { pass, held } = filterKeySequences(this.held, chunk);
    this.held = held;
    if (pass) this.write(pass);
    if (held) this.holdTimer = setTimeout(() => this.flushHeldSequence(), HOLD_MS);
  }

  private flushHeldSequence(): void {
    const rest = flushHeld(this.held);
    this.held = '';
    if (rest) this.write(rest);
  }
}
