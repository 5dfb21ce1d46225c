/** The dashboard shows strangers' text as visible escapes, never raw (#16 item 3). */
import { render } from 'ink-testing-library';
import { describe, expect, it, vi } from 'vitest';
import { Dashboard, type DashboardActions } from '../../src/dashboard/dashboard.js';
import { createDashboardModel, type WaitingItem } from '../../src/dashboard/model.js';

const TITLE = '\u001b]0;pwned\u0007';
const CLIPBOARD = '\u001b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\u0007';

describe('dashboard with hostile text', () => {
  it('shows escapes for ESC/BEL/OSC 52/bidi in the feed, the errors and the waiting list, and hides URL userinfo', async () => {
    const model = createDashboardModel();
    const waiting: WaitingItem[] = [{ kind: 'pairing', id: 'KTHCDU', who: `+1555${TITLE}`, detail: 'x\u202eevil' }];
    const actions: DashboardActions = { waiting: vi.fn(async () => waiting), approve: vi.fn(async () => ''), reject: vi.fn(async () => ''), quit: vi.fn() };
    const header = { publicUrl: 'https://user:hunter22@bot.example.com', tunnel: 'none', signatures: 'verified' as const, policy: 'pairing' };
    const view = render(<Dashboard header={header} model={model} actions={actions} refreshMs={20} />);
    model.push('sms.in', { from: '+15550001111', to: '+15550002222', body: `hi${TITLE}` });
    model.push('sms.in', { from: '+15550001111', to: '+15550002222', body: CLIPBOARD });
    model.push('sms.in', { from: '+15550001111', to: '+15550002222', body: '\u001b[31mred\u202ereversed' });
    model.push('webhook.refused', { route: 'inbound', reason: `AccountSid AC${TITLE}\nforged line is not this account's`, tried: [] });
    const frame = () => view.lastFrame() ?? '';
    await vi.waitFor(() => expect(frame()).toContain('KTHCDU'));
    await vi.waitFor(() => expect(frame()).toContain('hi\\x1b]0;pwned\\x07'));
    expect(frame()).toContain('\\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\\x07');
    const f = frame();
    expect(f).toContain('AC\\x1b]0;pwned\\x07\\nforged line');
    expect(f).toContain('\\x1b[31mred\\u202ereversed');
    expect(f).toContain('+1555\\x1b]0;pwned\\x07');
    expect(f).toContain('x\\u202eevil');
    expect(f).not.toContain('hunter22');
    // ink-testing-library renders without colour here, so any ESC or BEL left would be the stranger's.
    expect(f).not.toMatch(/[\u001b\u0007\u009b\u202e]/);
    view.unmount();
  });
});
