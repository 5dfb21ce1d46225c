/**
 * The one module of typed errors. Every failure the CLI can report is one of these, and
 * `src/cli/report-error.ts` is the one place that turns them into output and exit codes.
 */
import { twilioHint } from './twilio/error-hints.js';

/** The hint for a Twilio error code lives with the other Twilio knowledge. */
export { twilioHint };

/** Exit codes, documented in the README and used by every command. */
export const ExitCode = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  config: 3,
  credentials: 4,
  twilio: 5,
  network: 6,
  partial: 7,
  interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** A mistake the user can fix: bad input, bad configuration, missing credentials. */
export class UserError extends Error {
  readonly exitCode: ExitCodeValue;
  readonly code: string;
  readonly hint?: string;
  constructor(message: string, opts: { code: string; exitCode?: ExitCodeValue; hint?: string }) {
    super(message);
    this.name = 'UserError';
    this.code = opts.code;
    this.exitCode = opts.exitCode ?? ExitCode.usage;
    this.hint = opts.hint;
  }
}

export class ConfigError extends UserError {
  constructor(message: string, hint?: string, code = 'config_invalid') {
    super(message, { code, exitCode: ExitCode.config, hint });
    this.name = 'ConfigError';
  }
}

export class CredentialsError extends UserError {
  constructor(message: string, hint?: string, code = 'credentials') {
    super(message, { code, exitCode: ExitCode.credentials, hint });
    this.name = 'CredentialsError';
  }
}

const FILE_PROBLEMS: Record<string, string> = {
  ENOENT: 'there is no such file',
  EACCES: 'permission to read it is denied',
  EPERM: 'permission to read it is denied',
  EISDIR: 'it is a folder, not a file',
};

/** A file named by a flag could not be read: what is wrong in words, and where a relative path was looked for. */
export function unreadableFile(flag: string, file: string, err: unknown, code = 'file_unreadable'): UserError {
  const errno = (err as NodeJS.ErrnoException).code ?? '';
  const problem = FILE_PROBLEMS[errno] ?? (err as Error).message;
  const hint = errno === 'ENOENT' ? `Check the name: a relative path is read from ${process.cwd()}.` : 'Check the path and that you may read the file.';
  return new UserError(`Cannot read ${flag} ${file}: ${problem}.`, { code, hint });
}

/**
 * An HTTP error answer from the API: Twilio's error document (`{code, message, more_info, status}`),
 * or, without one (`documented` false), a bare status from whatever answered in between (a gateway's
 * 504, a proxy's 407); then `twilioCode` is 0 unless the status implies one, and there is no link.
 */
export class TwilioApiError extends Error {
  readonly exitCode = ExitCode.twilio;
  readonly code = 'twilio_api';
  readonly twilioCode: number;
  readonly status: number;
  readonly moreInfo?: string;
  readonly hint?: string;
  /** From a Retry-After header, when the answer had one. */
  readonly retryAfterMs?: number;
  /** The answer carried Twilio's own error document: Twilio itself decided. */
  readonly documented: boolean;
  constructor(opts: { twilioCode: number; status: number; message: string; moreInfo?: string; hint?: string; retryAfterMs?: number; documented?: boolean }) {
    super(opts.message);
    this.name = 'TwilioApiError';
    this.retryAfterMs = opts.retryAfterMs;
    this.twilioCode = opts.twilioCode;
    this.status = opts.status;
    this.documented = opts.documented ?? true;
    this.moreInfo = opts.moreInfo ?? (opts.twilioCode ? `https://www.twilio.com/docs/errors/${opts.twilioCode}` : undefined);
    this.hint = opts.hint ?? twilioHint(opts.twilioCode);
  }
}

/** The API could not be reached at all (DNS, refused connection, timeout). */
export class NetworkError extends Error {
  readonly exitCode = ExitCode.network;
  readonly code = 'network';
  readonly hint?: string;
  /** The idempotency key left pending when the outcome is unknown: a rerun under it checks Twilio before sending. */
  readonly pendingKey?: string;
  /** The request never left (no connection was made: refused, no such host, untrusted certificate): it cannot have taken effect. */
  notSent = false;
  constructor(message: string, hint?: string, pendingKey?: string) {
    super(message);
    this.name = 'NetworkError';
    this.hint = hint;
    this.pendingKey = pendingKey;
  }
}

/** A bug or an unexpected state: reported with exit code 1. */
export class InternalError extends Error {
  readonly exitCode = ExitCode.unexpected;
  readonly code = 'internal';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InternalError';
  }
}

/**
 * Errors the language raises for a mistake in our code, not in the input or on the network (those
 * are typed errors above). Code that keeps going past a failed item (a batch row) must not count
 * one of these as the item's failure: it is a bug, reported with exit code 1.
 */
export function isProgrammingError(err: unknown): err is TypeError | ReferenceError | RangeError {
  return err instanceof TypeError || err instanceof ReferenceError || err instanceof RangeError;
}

/**
 * Another run (another process, maybe another machine) holds this idempotency key under a live lease
 * and has not settled it yet: nothing was sent by this one. Transient, like a network error.
 */
export class KeyInFlightError extends Error {
  readonly exitCode = ExitCode.network;
  readonly code = 'key_in_flight';
  readonly hint: string;
  constructor(
    readonly key: string,
    readonly owner: string,
    /** When to look again. */
    readonly retryInMs: number,
  ) {
    super(`Idempotency key "${key}" is being sent by another run (${owner}); nothing was sent by this one.`);
    this.name = 'KeyInFlightError';
    this.hint = 'Run the same command again in a few seconds: it answers with that run\'s result, or reconciles the key if that run died.';
  }
}

/**
 * A message's answer was lost (no answer, or a gateway's 5xx) and Twilio's list does not show it yet:
 * it is looked for again in `retryInMs`, and only resent once the list had time to show it. A batch
 * does other rows meanwhile; this error reaches the user only when a batch had to give the row up.
 */
export class AnswerLostError extends Error {
  readonly exitCode = ExitCode.network;
  readonly code = 'answer_lost';
  readonly hint = 'Run the same command again: it looks for the message in Twilio\'s list and sends it only if it did not go out.';
  constructor(
    readonly key: string,
    readonly retryInMs: number,
  ) {
    super(`The answer to "${key}" was lost; Twilio's list is being checked before anything is sent again.`);
    this.name = 'AnswerLostError';
  }
}

/**
 * A request that never left: it waited for one of the account's API request slots (store/api-gate.ts)
 * until a stop (`stopped`) or until the wait's limit, or the store could not give one. Nothing was
 * sent; the same command again sends it.
 */
export class RequestNotMadeError extends Error {
  readonly exitCode: ExitCodeValue;
  readonly code: string;
  constructor(
    message: string,
    readonly hint?: string,
    readonly stopped = false,
    code = stopped ? 'not_started' : 'api_slots_busy',
  ) {
    super(message);
    this.name = 'RequestNotMadeError';
    this.code = code;
    this.exitCode = stopped ? ExitCode.interrupted : ExitCode.network;
  }
}

/** The user pressed Ctrl-C. */
export class InterruptedError extends Error {
  readonly exitCode = ExitCode.interrupted;
  readonly code = 'interrupted';
  constructor(message = 'Interrupted.') {
    super(message);
    this.name = 'InterruptedError';
  }
}

/**
 * A stop (Ctrl-C, SIGTERM) came while a message was still waiting for its rate slot: it was never
 * handed to Twilio, its claim was given back, and a rerun sends it. Not a failure of the message.
 */
export class StoppedBeforeSendError extends Error {
  readonly exitCode = ExitCode.interrupted;
  readonly code = 'not_started';
  constructor(readonly key: string) {
    super(`Stopped before "${key}" was sent; nothing went out for it.`);
    this.name = 'StoppedBeforeSendError';
  }
}
