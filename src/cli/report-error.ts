/** The one place that maps an error to output and an exit code. */
import { ExitCode, InternalError, NetworkError, TwilioApiError } from '../errors.js';
import { redact } from '../secrets/redact.js';
import { jsonForTerminal, safeForTerminal } from '../text/terminal-safe.js';
import type { Output } from './output.js';

interface ReportableError {
  message: string;
  code: string;
  exitCode: number;
  hint?: string;
}

function isReportable(err: unknown): err is ReportableError {
  return err instanceof Error && typeof (err as Partial<ReportableError>).exitCode === 'number' && typeof (err as Partial<ReportableError>).code === 'string';
}

export function reportError(err: unknown, out: Output): number {
  const e: ReportableError = isReportable(err)
    ? err
    : new InternalError(err instanceof Error ? err.message : String(err));
  const twilio = err instanceof TwilioApiError ? { twilioCode: err.twilioCode, status: err.status, moreInfo: err.moreInfo } : {};
  // An unknown outcome names the key a safe rerun needs (scripts read it from the JSON).
  const pending = err instanceof NetworkError && err.pendingKey ? { idempotencyKey: err.pendingKey } : {};
  if (out.json) {
    out.stdout.write(redact(jsonForTerminal({ error: { code: e.code, message: e.message, hint: e.hint ?? null, ...twilio, ...pending } })) + '\n');
  } else {
    // Messages quote outside text (a Twilio answer, a file's content): shown terminal-safe.
    const shown = (text: string) => safeForTerminal(text, { multiline: true, max: 4000 });
    const lines = [`${out.paint('error:', 'red')} ${shown(e.message)}`];
    if (err instanceof TwilioApiError && err.moreInfo) lines.push(`  Twilio error ${err.twilioCode} (HTTP ${err.status}): ${err.moreInfo}`);
    if (e.hint) lines.push(`  ${out.paint('fix:', 'bold')} ${shown(e.hint)}`);
    if (e.exitCode === ExitCode.unexpected && err instanceof Error && err.stack && process.env.OPENCLAW_DEBUG) lines.push(err.stack);
    out.stderr.write(redact(lines.join('\n')) + '\n');
  }
  return e.exitCode;
}
