/**
 * Who may use the sandbox's control API (/sandbox/v1): it hands out the account's credentials and
 * texts as any handset, so only this machine. A web page in the operator's browser could otherwise
 * drive it: through DNS rebinding (a hostile name resolving to 127.0.0.1 arrives with its own Host)
 * or a cross-origin POST. So the Host must be a loopback name, and a request a browser marks as
 * coming from another origin is refused, as Vite's dev server does since its DNS-rebinding fixes.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { SandboxApiError } from './http.js';

const LOOPBACK_HOST = /^(127\.0\.0\.1|localhost|\[::1\])(:\d{1,5})?$/i;
const LOOPBACK_ORIGIN = /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d{1,5})?$/i;

/** Throws a 403 for a control request that may not come from this machine's own tools. */
export function checkControlRequest(headers: IncomingHttpHeaders): void {
  const host = headers.host ?? '';
  if (!LOOPBACK_HOST.test(host)) {
    throw new SandboxApiError(403, 20403, `The sandbox control API answers only loopback hosts (127.0.0.1, localhost, [::1]), not Host "${host.slice(0, 100)}".`);
  }
  const origin = headers.origin;
  if (origin !== undefined && !LOOPBACK_ORIGIN.test(origin)) {
    throw new SandboxApiError(403, 20403, `The sandbox control API refuses cross-origin requests (Origin "${origin.slice(0, 100)}").`);
  }
  if (headers['sec-fetch-site'] === 'cross-site') throw new SandboxApiError(403, 20403, 'The sandbox control API refuses cross-site requests.');
}
