/** The sandbox's HTTP plumbing: a small router, Twilio's error documents, paging, and body parsing. */
import type { IncomingMessage } from 'node:http';

export interface ApiRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  form: URLSearchParams;
  /** The request body as text (a POST's form or JSON). */
  body: string;
  params: Record<string, string>;
  headers: IncomingMessage['headers'];
}

export interface ApiResponse {
  status: number;
  json?: unknown;
  body?: Buffer | string;
  contentType?: string;
  headers?: Record<string, string>;
}

export type Handler = (req: ApiRequest) => ApiResponse | Promise<ApiResponse>;

/** An error answered in Twilio's shape: {code, message, more_info, status}. */
export class SandboxApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export function errorBody(status: number, code: number, message: string) {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

export const notFound = (path: string) => new SandboxApiError(404, 20404, `The requested resource ${path} was not found`);

interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: Handler;
}

export interface Router {
  on(method: string, template: string, handler: Handler): void;
  match(method: string, path: string): { handler: Handler; params: Record<string, string> } | undefined;
}

/** Templates like `/2010-04-01/Accounts/:AccountSid/Messages/:Sid.json`. */
export function createRouter(): Router {
  const routes: Route[] = [];
  return {
    on(method, template, handler) {
      const names: string[] = [];
      const source = template.replace(/[.]/g, '\\.').replace(/:(\w+)/g, (_, name: string) => {
        names.push(name);
        return '([^/]+?)';
      });
      routes.push({ method, pattern: new RegExp(`^${source}$`), names, handler });
    },
    match(method, path) {
      for (const r of routes) {
        if (r.method !== method) continue;
        const m = r.pattern.exec(path);
        if (m) return { handler: r.handler, params: Object.fromEntries(r.names.map((n, i) => [n, decodeURIComponent(m[i + 1])])) };
      }
      return undefined;
    },
  };
}

export async function readBody(req: IncomingMessage, limit = 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new SandboxApiError(413, 20001, 'Request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Twilio's list shape for `items`, with PageSize, Page and PageToken. */
export function pageOf(req: ApiRequest, items: unknown[], key: string): ApiResponse {
  const pageSize = Math.min(1000, Math.max(1, Number(req.query.get('PageSize') ?? 50) || 50));
  const page = Math.max(0, Number(req.query.get('Page') ?? 0) || 0);
  const start = page * pageSize;
  const slice = items.slice(start, start + pageSize);
  const base = new URLSearchParams(req.query);
  for (const k of ['Page', 'PageSize', 'PageToken']) base.delete(k);
  const uriFor = (p: number) => {
    const q = new URLSearchParams(base);
    q.set('PageSize', String(pageSize));
    q.set('Page', String(p));
    if (p > 0) q.set('PageToken', `PA${p * pageSize}`);
    return `${req.path}?${q.toString()}`;
  };
  return {
    status: 200,
    json: {
      [key]: slice,
      end: start + Math.max(0, slice.length - 1),
      first_page_uri: uriFor(0),
      next_page_uri: start + pageSize < items.length ? uriFor(page + 1) : null,
      page,
      page_size: pageSize,
      previous_page_uri: page > 0 ? uriFor(page - 1) : null,
      start,
      uri: uriFor(page),
    },
  };
}

/** A form value that must be present, else Twilio's error for it. */
export function required(form: URLSearchParams, key: string, code: number, message: string): string {
  const v = form.get(key);
  if (v === null || v === '') throw new SandboxApiError(400, code, message);
  return v;
}

/** Removes the sandbox's own bookkeeping (keys starting with `_`) before a resource is answered. */
export function publicView<T extends object>(item: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) if (!k.startsWith('_')) out[k] = v;
  return out as T;
}
