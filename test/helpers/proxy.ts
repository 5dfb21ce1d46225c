/**
 * The load balancer in front of several `serve` instances in the tests: the project's round-robin
 * proxy (scripts/round-robin-proxy.mjs), where a request may also name its instance in
 * `x-test-instance` (its index; the header is not forwarded). Each answer says which instance gave
 * it in `x-test-served-by`.
 */
import type { IncomingMessage } from 'node:http';
import { startRoundRobinProxy } from '../../scripts/round-robin-proxy.mjs';

export interface TestProxy {
  url: string;
  close(): Promise<void>;
}

export async function startProxy(targets: readonly string[]): Promise<TestProxy> {
  const choose = (req: IncomingMessage) => {
    const named = req.headers['x-test-instance'];
    delete req.headers['x-test-instance'];
    return named === undefined ? undefined : Number(named);
  };
  return (await startRoundRobinProxy(targets, { choose, servedByHeader: 'x-test-served-by' })) as TestProxy;
}
