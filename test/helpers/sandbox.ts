/**
 * A sandbox on port 0 for one test file, driven by Twilio's own helper library through a custom
 * httpClient that rewrites https://api.twilio.com to the sandbox. Every JSON answer the library gets
 * is checked against the OpenAPI spec; `schemaErrors` collects what did not fit.
 */
import twilio from 'twilio';
import RequestClient from 'twilio/lib/base/RequestClient';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import type { SandboxOptions } from '../../src/sandbox/context.js';
import { schemaProblems } from './openapi.js';

export interface TestSandbox {
  sb: Sandbox;
  info: ReturnType<Sandbox['describe']>;
  client: ReturnType<typeof twilio>;
  schemaErrors: string[];
  /** How many answers were checked against the spec. */
  checked: { count: number };
  number: string;
  /** Raw fetch to the sandbox with the account's Basic auth. */
  api(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

class SandboxRequestClient extends RequestClient {
  constructor(
    private readonly base: string,
    private readonly onAnswer: (method: string, uri: string, status: number, body: unknown) => void,
  ) {
    super();
  }
  async request<T>(opts: RequestClient.RequestOptions<T>) {
    const uri = opts.uri.replace(/^https:\/\/[a-z0-9.-]*twilio\.com/, this.base);
    const res = await super.request({ ...opts, uri });
    this.onAnswer(opts.method.toUpperCase(), new URL(uri).pathname, res.statusCode, res.body);
    return res;
  }
}

export async function startTestSandbox(options: SandboxOptions = {}): Promise<TestSandbox> {
  const sb = await startSandbox({ port: 0, deliveryDelayMs: 20, callTalkMs: 300, voiceTimeScale: 0.05, ...options });
  const info = sb.describe();
  const schemaErrors: string[] = [];
  const checked = { count: 0 };
  const httpClient = new SandboxRequestClient(sb.baseUrl, (method, path, status, body) => {
    if (typeof body === 'string' && body.length === 0) return;
    const doc = typeof body === 'string' ? JSON.parse(body) : body;
    checked.count++;
    schemaErrors.push(...schemaProblems(method, path, status, doc));
  });
  const client = twilio(info.accountSid, info.authToken, { httpClient });
  const auth = 'Basic ' + Buffer.from(`${info.accountSid}:${info.authToken}`).toString('base64');
  return {
    sb,
    info,
    client,
    schemaErrors,
    checked,
    number: info.numbers[0].phoneNumber,
    api: (path, init = {}) => fetch(`${sb.baseUrl}${path}`, { ...init, headers: { authorization: auth, ...(init.headers ?? {}) } }),
    close: () => sb.close(),
  };
}

/** A client of the same sandbox built on another httpClient setup, e.g. API key auth or a wrong token. */
export function clientFor(ts: TestSandbox, username: string, password: string, accountSid = ts.info.accountSid) {
  return twilio(username, password, { accountSid, httpClient: new SandboxRequestClient(ts.sb.baseUrl, () => {}) });
}
