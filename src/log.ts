/**
 * Structured log events (NDJSON on stderr) when OPENCLAW_TELEPHONY_LOG is set (`info` or `debug`).
 * Every line passes through redaction, so a secret cannot reach the log even by mistake.
 */
import { redact } from './secrets/redact.js';

export interface Logger {
  event(name: string, fields: Record<string, unknown>): void;
  debug(name: string, fields: Record<string, unknown>): void;
}

export function createLogger(opts: { level?: string; stream?: NodeJS.WritableStream } = {}): Logger {
  const level = opts.level ?? process.env.OPENCLAW_TELEPHONY_LOG ?? '';
  const stream = opts.stream ?? process.stderr;
  const write = (name: string, fields: Record<string, unknown>) => stream.write(redact(JSON.stringify({ time: new Date().toISOString(), event: name, ...fields })) + '\n');
  return {
    event: (name, fields) => {
      if (level === 'info' || level === 'debug') write(name, fields);
    },
    debug: (name, fields) => {
      if (level === 'debug') write(name, fields);
    },
  };
}

export const silentLogger: Logger = { event() {}, debug() {} };
