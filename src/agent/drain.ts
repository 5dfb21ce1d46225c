/**
 * Shutdown with a bound: the work in flight (requests, late replies) gets a grace period; after it,
 * the agent's remaining turns are abandoned (their process trees killed, their requests aborted),
 * which is logged, and the work gets a short while more to notice before shutdown goes on regardless.
 */
import type { Agent } from './agent.js';

/** How long serve waits for turns in flight when asked to stop. */
export const SHUTDOWN_GRACE_MS = 5000;
/** After abandoning the turns, how long their handlers get to answer and settle. */
const AFTER_ABANDON_MS = 2000;

const within = (work: Promise<unknown>, ms: number): Promise<boolean> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  return Promise.race([work.then(() => true), timeout]).finally(() => clearTimeout(timer));
};

export async function drainOrAbandon(work: Promise<unknown>, agent: Pick<Agent, 'running' | 'close'>, log: (event: string, fields: Record<string, unknown>) => void, graceMs = SHUTDOWN_GRACE_MS): Promise<void> {
  const settled = work.catch((err: Error) => log('warning', { message: `stopping: ${err.message}` }));
  if (await within(settled, graceMs)) return;
  const abandoned = agent.running();
  log('shutdown.abandoned', { agentTurns: abandoned, graceMs, message: `stopping: ${abandoned} agent turn(s) still running after ${graceMs} ms were abandoned` });
  await agent.close();
  if (!(await within(settled, AFTER_ABANDON_MS))) log('warning', { message: 'stopping: requests still in flight were left unanswered' });
}
