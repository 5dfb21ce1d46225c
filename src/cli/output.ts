/**
 * How commands talk to the user: results on stdout (human text, or one JSON document with --json,
 * or NDJSON for streams), progress and logs on stderr. Everything written passes through redaction.
 */
import { redact } from '../secrets/redact.js';

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
  const stdout = opts.stdout ?? process.stdout;
  const stderr = opts.stderr ?? process.stderr;
  const isTty = (stderr as NodeJS.WriteStream).isTTY === true;
  const color = opts.color !== false && isTty && !process.env.NO_COLOR;
  const json = opts.json === true;
  const quiet = opts.quiet === true;
  const write = (stream: NodeJS.WritableStream, text: string) => stream.write(redact(text.endsWith('\n') ? text : text + '\n'));
  const paint = (text: string, style: keyof typeof STYLES) => (color ? `\u001b[${STYLES[style][0]}m${text}\u001b[${STYLES[style][1]}m` : text);
  return {
    json,
    quiet,
    color,
    stdout,
    stderr,
    result(data, human) {
      if (json) write(stdout, JSON.stringify(data, null, 2));
      else {
        const text = human();
        if (text) write(stdout, text);
      }
    },
    line(data) {
      write(stdout, JSON.stringify(data));
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

/** Left-aligned columns for human tables. */
export function formatTable(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')).join('\n');
}
