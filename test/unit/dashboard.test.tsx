import { render } from 'ink-testing-library';
import { describe, expect, it, vi } from 'vitest';
import { Dashboard, type DashboardActions, nextHandset } from '../../src/dashboard/dashboard.js';
import { createDashboardModel, type WaitingItem } from '../../src/dashboard/model.js';
import { tryItCommands } from '../../src/onboarding/try-it.js';

const header = { publicUrl: 'https://bot.example.com', tunnel: 'none', signatures: 'verified' as const, policy: 'pairing' };

function setup(waiting: WaitingItem[] = []) {
  const model = createDashboardModel();
  const items = [...waiting];
  const actions: DashboardActions = {
    waiting: vi.fn(async () => items),
    approve: vi.fn(async (item: WaitingItem) => {
      items.splice(items.indexOf(item), 1);
      return `approved ${item.id}`;
    }),
    reject: vi.fn(async (item: WaitingItem) => `rejected ${item.id}`),
    textAsHandset: vi.fn(async (body: string) => `texted ${body}`),
    quit: vi.fn(),
  };
  const view = render(<Dashboard header={header} model={model} actions={actions} refreshMs={20} />);
  return { model, actions, view };
}

const frame = (view: ReturnType<typeof render>) => view.lastFrame() ?? '';

describe('dashboard (rendered to a fake terminal)', () => {
  it('says when what waits cannot be read, keeping the last list', async () => {
    const { actions, view } = setup([{ kind: 'pairing', id: 'KTHCDU', who: '+15550001111', detail: 'expires 12:00 UTC' }]);
    await vi.waitFor(() => expect(frame(view)).toContain('KTHCDU'));
    vi.mocked(actions.waiting).mockRejectedValue(new Error('the store is closed'));
    await vi.waitFor(() => expect(frame(view)).toContain('cannot read what waits: the store is closed'));
    expect(frame(view)).toContain('KTHCDU');
    view.unmount();
  });

  it('shows the header, the feed with delivery status, and recent errors', async () => {
    const { model, view } = setup();
    model.push('sms.in', { from: '+15550001111', to: '+15550002222', body: 'hello' });
    model.push('sms.out', { from: '+15550002222', to: '+15550001111', body: 'echo: hello', via: 'twiml' });
    model.push('status', { sid: 'SM123', status: 'delivered' });
    model.push('webhook.refused', { route: 'inbound', reason: 'signature mismatch', tried: ['https://bot.example.com/telephony/webhook'] });
    await vi.waitFor(() => expect(frame(view)).toContain('echo: hello'));
    const f = frame(view);
    expect(f).toContain('https://bot.example.com');
    expect(f).toContain('policy: pairing');
    expect(f).toContain('verified');
    expect(f).toContain('in: 1  out: 1  refused: 1');
    expect(f).toContain('SM123 delivered');
    expect(f).toContain('signature mismatch');
    view.unmount();
  });

  it('counts webhooks an instance died handling since start, with the newest time, and names each in the errors (no body)', async () => {
    const { model, view } = setup();
    expect(frame(view)).not.toContain('orphaned');
    model.push('webhook.orphaned', { route: 'sms', messageSid: 'SM' + 'ab'.repeat(16), message: 'sms: message SM... was being handled by a serve instance that stopped' });
    model.push('webhook.orphaned', { route: 'voice', message: 'voice: a webhook was being handled by a serve instance that stopped' });
    await vi.waitFor(() => expect(frame(view)).toMatch(/orphaned webhooks: 2 \(newest \d\d:\d\d:\d\d UTC\)/));
    expect(frame(view)).toContain(`orphaned webhook: sms message SM${'ab'.repeat(16)} was being handled`);
    expect(model.snapshot().orphaned).toEqual({ count: 2, newestAt: expect.stringMatching(/^\d\d:\d\d:\d\d$/) });
    view.unmount();
  });

  it('approves the selected pairing code with a, moves with arrows, rejects with r, and quits with q', async () => {
    const { actions, view } = setup([
      { kind: 'pairing', id: 'KTHCDU', who: '+15550001111', detail: '' },
      { kind: 'approval', id: 'ap_1', who: '+15550003333', detail: 'first contact' },
    ]);
    await vi.waitFor(() => expect(frame(view)).toContain('Waiting for you (2)'));
    view.stdin.write('a');
    await vi.waitFor(() => expect(actions.approve).toHaveBeenCalledWith(expect.objectContaining({ id: 'KTHCDU' })));
    await vi.waitFor(() => expect(frame(view)).toContain('approved KTHCDU'));
    await vi.waitFor(() => expect(frame(view)).toContain('Waiting for you (1)'));
    view.stdin.write('r');
    await vi.waitFor(() => expect(actions.reject).toHaveBeenCalledWith(expect.objectContaining({ id: 'ap_1' })));
    view.stdin.write('q');
    await vi.waitFor(() => expect(actions.quit).toHaveBeenCalled());
  });

  it('texts as a handset with t, typing and Enter', async () => {
    const { actions, view } = setup();
    await vi.waitFor(() => expect(frame(view)).toContain('t text as +15550001111'));
    view.stdin.write('t');
    await vi.waitFor(() => expect(frame(view)).toContain('text as +15550001111:'));
    for (const ch of 'hi') view.stdin.write(ch);
    await vi.waitFor(() => expect(frame(view)).toContain('text as +15550001111: hi'));
    view.stdin.write('\r');
    await vi.waitFor(() => expect(actions.textAsHandset).toHaveBeenCalledWith('hi', '+15550001111'));
    view.unmount();
  });

  it('Tab while typing moves to another handset, so pairing can be shown again after one is approved', async () => {
    const { actions, view } = setup();
    await vi.waitFor(() => expect(frame(view)).toContain('t text as +15550001111'));
    view.stdin.write('t');
    await vi.waitFor(() => expect(frame(view)).toContain('text as +15550001111:'));
    view.stdin.write('\t');
    await vi.waitFor(() => expect(frame(view)).toContain('text as +15550001112:'));
    for (const ch of 'new') view.stdin.write(ch);
    view.stdin.write('\r');
    await vi.waitFor(() => expect(actions.textAsHandset).toHaveBeenCalledWith('new', '+15550001112'));
    // The next t starts from the handset chosen last.
    await vi.waitFor(() => expect(frame(view)).toContain('t text as +15550001112'));
    expect(nextHandset('+15550009999')).toBe('+15550000000');
    view.unmount();
  });

  it('shows approvals and rejections made anywhere (decision events) in the feed', async () => {
    const { model, view } = setup();
    model.push('decision', { kind: 'pairing', id: 'QFUYD3', who: '+15550001111', status: 'approved' });
    model.push('decision', { kind: 'approval', id: 'ap_1', who: '+15550003333', status: 'rejected' });
    await vi.waitFor(() => expect(frame(view)).toContain('pairing code QFUYD3 for +15550001111 approved'));
    expect(frame(view)).toContain('held text ap_1 for +15550003333 rejected');
    view.unmount();
  });

  it('shows the three commands to try while the feed is empty, and the feed once something arrives', async () => {
    const model = createDashboardModel();
    const actions: DashboardActions = { waiting: async () => [], approve: async () => '', reject: async () => '', quit: () => {} };
    const tryIt = tryItCommands({ number: '+14155550100', handset: '+15550001111' });
    const view = render(<Dashboard header={{ ...header, sandboxNumber: '+14155550100', tryIt }} model={model} actions={actions} refreshMs={20} />);
    await vi.waitFor(() => expect(frame(view)).toContain('Try it from another terminal'));
    const f = frame(view);
    expect(f).toContain('sandbox text --from +15550001111 --to +14155550100 "hello"');
    expect(f).toContain('sandbox inbox +15550001111');
    expect(f).toContain('pairing approve CODE');
    // Start-up events (serve emits number.configured at start) keep the hints: they are not traffic.
    model.push('number.configured', { number: '+14155550100', url: 'http://127.0.0.1:1/sms' });
    model.push('store.migrated', { version: 9 });
    await vi.waitFor(() => expect(frame(view)).toContain('number.configured'));
    expect(frame(view)).toContain('no messages or calls yet. Try it from another terminal');
    expect(frame(view)).toContain('sandbox inbox +15550001111');
    model.push('sms.in', { from: '+15550001111', to: '+14155550100', body: 'hello' });
    await vi.waitFor(() => expect(frame(view)).not.toContain('Try it from another terminal'));
    view.unmount();
  });

  it('keeps a bounded feed under a flood of events', () => {
    const model = createDashboardModel();
    for (let i = 0; i < 10_000; i++) model.push('sms.in', { from: '+1', to: '+2', body: `m${i}` });
    const snap = model.snapshot();
    expect(snap.feed.length).toBe(200);
    expect(snap.counts.inbound).toBe(10_000);
    expect(snap.feed.at(-1)!.text).toContain('m9999');
  });
});
