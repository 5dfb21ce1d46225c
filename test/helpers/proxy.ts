/**
 * A tiny reverse proxy on loopback, standing in for the load balancer in front of several `serve`
 * instances: requests go round-robin, or to the instance a request names in `x-test-instance` (its
 * index; the header is not forwarded). Each answer says which instance gave it in `x-test-served-by`.
 */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestProxy {
  url: string;
  close(): Promise<void>;
}

export async function startProxy(targets: readonly string[]): Promise<TestProxy> {
  let next = 0;
  const server = createServer((req, res) => {
    const named = req.headers['x-test-instance'];
    const index = named === undefined ? next++ % targets.length : Number(named);
    const target = new URL(targets[index]);
    const headers = { ...req.headers };
    delete headers['x-test-instance'];
    const upstream = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, { ...answer.headers, 'x-test-served-by': String(index) });
      answer.pipe(res);
    });
    upstream.on('error', (err) => res.writeHead(502, { 'content-type': 'text/plain' }).end(`proxy: ${err.message}`));
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
