#!/usr/bin/env node
/**
 * A small round-robin HTTP proxy for trying several `serve` instances on one machine (README,
 * "Several serve instances on PostgreSQL"): each request goes to the next target in turn, its body
 * and headers passed through untouched (X-Twilio-Signature, I-Twilio-Idempotency-Token and Host
 * included, so signatures still verify against publicUrl). Each answer says which target gave it in
 * `x-served-by` (the target's index). Loopback only unless a host is given. Not for production:
 * no timeouts, no health checks; use your load balancer there.
 *
 *   node scripts/round-robin-proxy.mjs <listenPort> <target> <target>...
 *   node scripts/round-robin-proxy.mjs 18480 18481 18482        # a bare port is http://127.0.0.1:<port>
 *   ROUND_ROBIN_HOST=0.0.0.0 node scripts/round-robin-proxy.mjs 18480 http://10.0.0.5:8080 http://10.0.0.6:8080
 *
 * The tests use the same proxy (test/helpers/proxy.ts), choosing the target of some requests.
 */
import { createServer, request } from 'node:http';
import { pathToFileURL } from 'node:url';

/** `18481` -> `http://127.0.0.1:18481`; a URL stays as it is. */
export const targetUrl = (target) => new URL(/^\d+$/.test(target) ? `http://127.0.0.1:${target}` : target);

/**
 * Starts the proxy. `choose(req)` may name a target's index for a request (else the next in turn);
 * `servedByHeader` names the answer's header that says which target answered.
 */
export async function startRoundRobinProxy(targets, { port = 0, host = '127.0.0.1', choose = () => undefined, servedByHeader = 'x-served-by' } = {}) {
  let next = 0;
  const server = createServer((req, res) => {
    // Read at each request: a caller may add targets after the start (the tests' instances learn the proxy's URL first).
    const index = choose(req) ?? next++ % targets.length;
    const target = targetUrl(String(targets[index]));
    const upstream = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, { ...answer.headers, [servedByHeader]: String(index) });
      answer.pipe(res);
    });
    upstream.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`proxy: ${target.host} did not answer: ${err.message}`);
    });
    req.pipe(upstream);
  });
  await new Promise((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
  const address = server.address();
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function main(args) {
  const [listen, ...targets] = args;
  if (!/^\d+$/.test(listen ?? '') || targets.length === 0) {
    process.stderr.write('usage: node scripts/round-robin-proxy.mjs <listenPort> <target> <target>...  (a target is a port on 127.0.0.1 or a URL)\n');
    process.exit(2);
  }
  const proxy = await startRoundRobinProxy(targets, { port: Number(listen), host: process.env.ROUND_ROBIN_HOST || '127.0.0.1' });
  process.stdout.write(`round-robin proxy on ${proxy.url} -> ${targets.map((t) => targetUrl(t).origin).join(', ')} (Ctrl-C stops it)\n`);
  const stop = () => void proxy.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).catch((err) => {
    process.stderr.write(`round-robin proxy: ${err.message}\n`);
    process.exit(1);
  });
}
