/**
 * The one fake of the OpenClaw tests: a model server speaking OpenAI's Chat Completions API
 * (POST /v1/chat/completions, whole or streamed as server-sent events; GET /v1/models), standing in
 * for a cloud model we cannot reach. It answers every request with `reply(conversation)` and keeps
 * each request's conversation (every message's text, in order), so a test sees what reached the model.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

interface ChatMessage {
  role: string;
  content: string | { type: string; text?: string }[] | null;
}

export interface FakeModel {
  /** e.g. http://127.0.0.1:PORT/v1 (a provider's baseUrl). */
  baseUrl: string;
  /** Each chat request's messages as text, one string per request. */
  prompts: string[];
  close(): Promise<void>;
}

const textOf = (content: ChatMessage['content']) => (typeof content === 'string' ? content : (content ?? []).map((p) => p.text ?? '').join(''));

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
}

export async function startFakeModel(reply: (prompt: string) => string, modelId = 'tiny'): Promise<FakeModel> {
  const prompts: string[] = [];
  const server = createServer(async (req, res) => {
    const url = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && url.endsWith('/models')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [{ id: modelId, object: 'model', owned_by: 'test' }] }));
      return;
    }
    if (req.method !== 'POST' || !url.endsWith('/chat/completions')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `no route ${req.method} ${url}`, type: 'invalid_request_error' } }));
      return;
    }
    const body = await readJson(req);
    const messages = (body.messages ?? []) as ChatMessage[];
    const prompt = messages.map((m) => `${m.role}: ${textOf(m.content)}`).join('\n');
    prompts.push(prompt);
    const content = reply(prompt);
    const base = { id: `chatcmpl-${prompts.length}`, created: Math.floor(Date.now() / 1000), model: String(body.model ?? modelId) };
    const usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };
    if (!body.stream) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...base, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }], usage }));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const send = (data: unknown) => res.write(`data: ${JSON.stringify(data)}\n\n`);
    send({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: { role: 'assistant', content }, finish_reason: null }] });
    send({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage });
    res.end('data: [DONE]\n\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    prompts,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
