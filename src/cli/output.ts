/**
 * How commands talk to the user: results on stdout (human text, or one JSON document with --json,
 * or NDJSON for streams), progress and logs on stderr. `stdout` and `stderr` are redacting writers,
 * so everything a command writes, through these helpers or straight to the streams, is redacted.
 * JSON is written terminal-safe (still exact JSON); table cells go through safeForTerminal.
 */
import { Writable } from 'node:stream';
import { redact } from '../secrets/redact.js';
import { jsonForTerminal, safeForTerminal } from '../text/terminal-safe.js';

export interface OutputOptions {
  json?: boolean;
  quiet?: boolean;
  color?: boolean;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
}

export interface Output {
  readonly json: boolean;
  readonly quiet: boolean;
  readonly color: boolean;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  /** The command's result: `data` as JSON with --json, else the text `human` returns. */
  result(data: unknown, human: () => string): void;
  /** One NDJSON line (a stream of results under --json). */
  line(data: unknown): void;
  /** Progress and notes on stderr; silent with --quiet. */
  info(message: string): void;
  warn(message: string): void;
  paint(text: string, style: 'red' | 'green' | 'yellow' | 'dim' | 'bold'): string;
}

const STYLES = { red: [31, 39], green: [32, 39], yellow: [33, 39], dim: [2, 22], bold: [1, 22] } as const;

export function createOutput(opts: OutputOptions = {}): Output {
  const stdout = redactingWriter(opts.stdout ?? process.stdout);
  const stderr = redactingWriter(opts.stderr ?? process.stderr);
  const isTty = (stderr as NodeJS.WriteStream).isTTY === true;
  const color = opts.color !== false && isTty && !process.env.NO_COLOR;
  const json = opts.json === true;
  const quiet = opts.quiet === true;
  const write = (stream: NodeJS.WritableStream, text: string) => stream.write(text.endsWith('\n') ? text : text + '\n');
  const paint = (text: string, style: keyof typeof STYLES) => (color ? `\u001b[${STYLES[style][0]}m${text}\u001b[${STYLES[style][1]}m` : text);
  return {
    json,
    quiet,
    color,
    stdout,
    stderr,
    result(data, human) {
      if (json) write(stdout, jsonForTerminal(data, 2));
      else {
        const text = human();
        if (text) write(stdout, text);
      }
    },
    line(data) {
      write(stdout, jsonForTerminal(data));
    },
    info(message) {
      if (!quiet) write(stderr, message);
    },
    warn(message) {
      write(stderr, `${paint('warning:', 'yellow')} ${message}`);
    },
    paint,
  };
}

/**
 * A writer that redacts each chunk and hands it on at once (nothing is buffered here, so a
 * `process.exit` right after a write loses nothing that the target would have kept). It answers
 * `isTTY` and `columns` as its target does.
 */
export function redactingWriter(target: NodeJS.WritableStream): NodeJS.WritableStream {
  if ((target as { redacting?: boolean }).redacting) return target;
  const writer = new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _encoding, done) {
      target.write(redact(typeof chunk === 'string' ? chunk : chunk.toString('utf8')));
      done();
    },
  });
  const tty = target as NodeJS.WriteStream;
  Object.defineProperties(writer, {
    redacting: { value: true },
    isTTY: { get: () => tty.isTTY },
    columns: { get: () => tty.columns },
    rows: { get: () => tty.rows },
  });
  return writer;
}

/** Left-aligned columns for human tables; each cell is shown terminal-safe (cells hold outside text). */
export function formatTable(cells: string[][]): string {
  const rows = cells.map((row) => row.map((cell) => safeForTerminal(cell, { max: 200 })));
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')).join('\n');
}
