/**
 * How long the PostgreSQL store waits before it says the server does not answer. Without these a
 * stopped, frozen or unreachable server (a paused VM, a firewall dropping packets) left `send` and
 * every webhook waiting for ever. The defaults can be changed in store.url's query string, the usual
 * place for PostgreSQL connection settings: `connect_timeout` (seconds, as libpq reads it) and
 * `statement_timeout` (milliseconds, sent to the server).
 */
import { UserError, ExitCode } from '../errors.js';

export interface PostgresTimeouts {
  /** Opening a connection: TCP, TLS and the server's start-up answer. */
  connectMs: number;
  /** The server cancels a statement running longer (waiting on a lock included). */
  statementMs: number;
  /** We stop waiting for an answer this long after sending a query: the statement limit plus a margin for the cancel to arrive. */
  readMs: number;
  /** The server ends a session left inside a transaction this long (a frozen process holding row locks). */
  idleInTransactionMs: number;
  /** TCP keepalive probes start after this much silence, so a dead peer is noticed on idle connections. */
  keepAliveDelayMs: number;
  /** /healthz's probe answers "unavailable" after this long rather than keeping a load balancer waiting. */
  probeMs: number;
}

export const DEFAULT_POSTGRES_TIMEOUTS: Readonly<PostgresTimeouts> = {
  connectMs: 10_000,
  statementMs: 30_000,
  readMs: 35_000,
  idleInTransactionMs: 60_000,
  keepAliveDelayMs: 10_000,
  probeMs: 5_000,
};

/** The defaults, with `connect_timeout` and `statement_timeout` from the URL when it gives them. */
export function postgresTimeouts(url: string): PostgresTimeouts {
  const params = safeSearchParams(url);
  const connectS = positiveNumber(params.get('connect_timeout'));
  const statementMs = positiveNumber(params.get('statement_timeout'));
  const t = { ...DEFAULT_POSTGRES_TIMEOUTS };
  if (connectS !== undefined) t.connectMs = connectS * 1000;
  if (statementMs !== undefined) Object.assign(t, { statementMs, readMs: statementMs + 5_000 });
  return t;
}

function safeSearchParams(url: string): URLSearchParams {
  try {
    return new URL(url).searchParams;
  } catch {
    return new URLSearchParams();
  }
}

function positiveNumber(value: string | null): number | undefined {
  const n = value === null ? NaN : Number(value);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/** The pg pool settings that carry the timeouts and keepalive. */
export function poolTimeoutOptions(t: PostgresTimeouts) {
  return {
    connectionTimeoutMillis: t.connectMs,
    statement_timeout: t.statementMs,
    query_timeout: t.readMs,
    idle_in_transaction_session_timeout: t.idleInTransactionMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: t.keepAliveDelayMs,
  };
}

const SERVER_SILENT = /query read timeout|timeout exceeded when trying to connect|connection terminated|connection timeout|ETIMEDOUT|ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH/i;

/** A failure that means the server did not answer in time, or went away, rather than a refused statement. */
export function isServerSilent(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  // 57014: our statement_timeout cancelled it; 57P01..: the server is shutting down; 08xxx: connection failures.
  if (typeof code === 'string' && /^(57014|57P0\d|08\w{3}|ETIMEDOUT|ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH)$/.test(code)) return true;
  return SERVER_SILENT.test(String((err as Error)?.message ?? err));
}

/** ECONNREFUSED, or the server's own "shutting down" / "starting up" answers (57P01-57P03). */
function isRefusal(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === 'ECONNREFUSED' || (typeof code === 'string' && /^57P0[1-3]$/.test(code)) || /ECONNREFUSED|shutting down|starting up/i.test(String((err as Error)?.message ?? err));
}

/** A connection the server (or something between) ended: a reset, a restart's goodbye, a 08xxx failure. */
function isDrop(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  // pg ends a connection that timed out with "Connection terminated due to connection timeout": a wait.
  if (/timeout/i.test(String((err as Error)?.message ?? err))) return false;
  return code === 'ECONNRESET' || (typeof code === 'string' && /^08\w{3}$/.test(code)) || /ECONNRESET|connection terminated|not queryable/i.test(String((err as Error)?.message ?? err));
}

/** What the operator sees: which store, what happened, what to do. `location` has its password removed. */
export function storeUnavailableError(location: string, t: PostgresTimeouts, err: unknown, phase: 'connect' | 'query'): UserError {
  const waited = phase === 'connect' ? `${t.connectMs / 1000} s to connect` : `${t.readMs / 1000} s for an answer`;
  // A server that refused at once (not listening, shutting down, starting up) did not make us wait:
  // saying "waited up to 35 s" then would send the operator looking for a slow network.
  const what = isRefusal(err) ? 'refused the connection' : isDrop(err) ? 'dropped the connection' : `did not answer (waited up to ${waited})`;
  return new UserError(`The PostgreSQL store at ${location} ${what}: ${(err as Error)?.message ?? err}.`, {
    code: 'store_unavailable',
    exitCode: ExitCode.network,
    hint: 'Check that the server is running and reachable from here (host, port, firewall) and not overloaded; then run the command again. To wait longer, add ?connect_timeout=SECONDS or ?statement_timeout=MILLISECONDS to store.url.',
  });
}
