import { describe, expect, it } from 'vitest';
import { createDashboardModel } from '../../src/dashboard/model.js';

describe('dashboard: failed deliveries with what to do', () => {
  it('puts a status callback with a 10DLC error code in the errors panel with its hint', () => {
    const model = createDashboardModel();
    model.push('status', { sid: 'SM1', status: 'failed', errorCode: 30034 });
    model.push('status', { sid: 'SM2', status: 'delivered' });
    const snap = model.snapshot();
    expect(snap.feed.map((f) => f.text)).toEqual(['SM1 failed (error 30034)', 'SM2 delivered']);
    expect(snap.errors).toHaveLength(1);
    expect(snap.errors[0].text).toMatch(/^SM1 failed: error 30034; The US 10DLC number is not registered for A2P/);
    expect(snap.counts.errors).toBe(1);
  });
});
