/**
 * Log events: NDJSON on stderr when OPENCLAW_TELEPHONY_LOG is set (`info` or `debug`), and the
 * formatting `serve` uses for its plain and NDJSON log lines. Every value from outside is capped
 * (an attacker must not size our logs), plain lines show control characters as escapes (one event,
 * one line, nothing for the terminal to obey), and every line passes through redaction.
 */
import { redact } from './secrets/redact.js';
import { jsonForTerminal, safeForTerminal } from './text/terminal-safe.js';

/** Longest string value kept in a log event, in characters. */
export const LOG_VALUE_MAX = 1000;

export interface Logger {
  event(name: string, fields: Record<string, unknown>): void;
  debug(name: string, fields: Record<string, unknown>): void;
}

/** The value with every string in it redacted and cut to LOG_VALUE_MAX (nested objects too, to a few levels). */
export function capLogValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') {
    // Redacted before the cut, so a secret cannot leak in part across it.
    const text = redact(value);
    return text.length > LOG_VALUE_MAX ? `${text.slice(0, LOG_VALUE_MAX)}…[${text.length - LOG_VALUE_MAX} more characters]` : text;
  }
  if (value === null || typeof value !== 'object') return value;
  if (depth >= 4) return '[nested too deep]';
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => capLogValue(v, depth + 1));
  return Object.fromEntries(Object.entries(value).slice(0, 50).map(([k, v]) => [k, capLogValue(v, depth + 1)]));
}

/** One NDJSON log line (no newline): exact JSON, capped, terminal-safe, redacted. */
export function formatLogJson(event: string, fields: Record<string, unknown>, time = new Date()): string {
  return redact(jsonForTerminal({ time: time.toISOString(), event, ...(capLogValue(fields) as Record<string, unknown>) }));
}

/** One plain log line (no newline): `12:00:00 event key=value ...`, each value capped and escaped. */
export function formatLogText(event: string, fields: Record<string, unknown>, time = new Date()): string {
  const shown = Object.entries(fields).map(([k, v]) => {
    const capped = capLogValue(v);
    return `${k}=${safeForTerminal(typeof capped === 'string' ? capped : jsonForTerminal(capped), { max: LOG_VALUE_MAX + 40 })}`;
  });
  return redact([time.toISOString().slice(11, 19), safeForTerminal(event, { max: 100 }), ...shown].join(' '));
}

export function createLogger(opts: { level?: string; stream?: NodeJS.WritableStream } = {}): Logger {
  const level = opts.level ?? process.env.OPENCLAW_TELEPHONY_LOG ?? '';
  const stream = opts.stream ?? process.stderr;
  const write = (name: string, fields: Record<string, unknown>) => stream.write(formatLogJson(name, fields) + '\n');
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
