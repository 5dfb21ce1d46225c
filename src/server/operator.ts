/**
 * What the operator can do while `serve` runs (the dashboard's keys): see what waits (pairing codes
 * and held outbound messages), approve or reject it, and, with the sandbox, text as a handset.
 */
import type { WaitingItem } from '../dashboard/model.js';
import { type ApprovalSender, approveHeldText, listHeldTexts, rejectHeldText } from '../messaging/approvals.js';
import { approvePairing, rejectPairing } from '../pairing/pairing.js';
import type { Store } from '../store/open-store.js';
import { listRequests } from '../store/pairing.js';
import { callSandboxControl } from '../twilio/access.js';

export interface Operator {
  waiting(): Promise<WaitingItem[]>;
  approve(item: WaitingItem): Promise<string>;
  reject(item: WaitingItem): Promise<string>;
  /** `handset`: which simulated phone texts (default: the dashboard's first handset). */
  textAsHandset?(body: string, handset?: string): Promise<string>;
}

export function createOperator(o: ApprovalSender & { sandbox?: { baseUrl: string; number: string; handset: string } }): Operator {
  const { store } = o;
  return {
    async waiting() {
      const codes = await listRequests(store, new Date());
      const held = await listHeldTexts(store);
      return [
        ...codes.map((r) => ({ kind: 'pairing' as const, id: r.code, who: r.phone, detail: `expires ${r.expires_at.slice(11, 16)} UTC` })),
        ...held.map((a) => ({ kind: 'approval' as const, id: a.id, who: a.request.to, detail: `${a.reason}: ${a.request.body.slice(0, 40)}` })),
      ];
    },
    async approve(item) {
      if (item.kind === 'pairing') return `approved: ${await approvePairing(store, item.id)} may talk to the agent`;
      // The same verb as `approvals approve`: its refusals reach the dashboard as errors.
      const { to, results } = await approveHeldText(o, item.id);
      return `sent ${results.map((r) => r.sid).join(', ')} to ${to}`;
    },
    async reject(item) {
      if (item.kind === 'pairing') return `rejected the code of ${await rejectPairing(store, item.id)}`;
      await rejectHeldText(store, item.id);
      return `rejected ${item.id}`;
    },
    ...(o.sandbox
      ? {
          async textAsHandset(body: string, from?: string) {
            const { baseUrl, number } = o.sandbox!;
            const handset = from ?? o.sandbox!.handset;
            const res = await callSandboxControl(baseUrl, `/sandbox/v1/handsets/${encodeURIComponent(handset)}/messages?wait=false`, { method: 'POST', form: new URLSearchParams({ To: number, Body: body }) });
            return res.status < 400 ? `${handset} texted ${number}` : `the sandbox refused (HTTP ${res.status})`;
          },
        }
      : {}),
  };
}
