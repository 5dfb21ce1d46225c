/** The conversation registry: order within a conversation, a bound on conversations at once, nothing kept after. */
import { describe, expect, it } from 'vitest';
import { createSessionRegistry } from '../../src/server/sessions.js';

/** A turn the test finishes by hand. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe('the session registry', () => {
  it('runs one turn at a time per conversation, in arrival order, even when one fails', async () => {
    const sessions = createSessionRegistry(10);
    const order: string[] = [];
    const first = gate();
    const a1 = sessions.run('sms:+1', async () => (await first.opened, order.push('a1')));
    const a2 = sessions.run('sms:+1', async () => {
      order.push('a2');
      throw new Error('agent failed');
    });
    const a3 = sessions.run('sms:+1', async () => order.push('a3'));
    const b1 = sessions.run('sms:+2', async () => order.push('b1'));
    await b1;
    expect(order).toEqual(['b1']);
    first.open();
    await a1;
    await expect(a2).rejects.toThrow('agent failed');
    await a3;
    expect(order).toEqual(['b1', 'a1', 'a2', 'a3']);
    await expect.poll(() => sessions.active()).toBe(0);
  });

  it("gives the turn's result at once, and holds the conversation until its `after` (a late reply being sent) is done", async () => {
    const sessions = createSessionRegistry(10);
    const sending = gate();
    const order: string[] = [];
    const first = sessions.run('sms:+1', async () => 'late reply', undefined, async (reply) => (await sending.opened, order.push(`sent ${reply}`)));
    expect(await first).toBe('late reply');
    const second = sessions.run('sms:+1', async () => order.push('second turn'));
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual([]);
    sending.open();
    await second;
    expect(order).toEqual(['sent late reply', 'second turn']);
  });

  it('holds at most maxConcurrentSessions conversations at once; the next waits for a free slot', async () => {
    const sessions = createSessionRegistry(2);
    const gates = [gate(), gate()];
    const started: string[] = [];
    const runs = ['+1', '+2'].map((from, i) => sessions.run(`sms:${from}`, async () => (started.push(from), await gates[i].opened)));
    const third = sessions.run('sms:+3', async () => started.push('+3'));
    await expect.poll(() => started).toEqual(['+1', '+2']);
    expect(sessions.active()).toBe(2);
    expect(sessions.waiting()).toBe(1);
    gates[1].open();
    await third;
    expect(started).toEqual(['+1', '+2', '+3']);
    gates[0].open();
    await Promise.all(runs);
    await expect.poll(() => [sessions.active(), sessions.waiting()]).toEqual([0, 0]);
  });
});
