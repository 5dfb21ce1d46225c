/**
 * What the operator can do while `serve` runs (the dashboard's keys): see what waits (pairing codes
 * and held outbound messages), approve or reject it, and, with the sandbox, text as a handset.
 */
import type { WaitingItem } from '../dashboard/model.js';
import type { DeliverDeps } from '../messaging/deliver.js';
import type { Sender } from '../messaging/rate-limiter.js';
import { sendText, type TextPolicy, type TextRequest } from '../messaging/send-text.js';
import { approvePairing, rejectPairing } from '../pairing/pairing.js';
import { decideApproval, getApproval, listApprovals } from '../store/approvals.js';
import type { Store } from '../store/open-store.js';
import { listRequests } from '../store/pairing.js';
import { callSandboxControl } from '../twilio/access.js';

export interface Operator {
  waiting(): Promise<WaitingItem[]>;
  approve(item: WaitingItem): Promise<string>;
  reject(item: WaitingItem): Promise<string>;
  textAsHandset?(body: string): Promise<string>;
}

export function createOperator(o: { store: Store; policy: TextPolicy; depsFor(sender: Sender): DeliverDeps; sandbox?: { baseUrl: string; number: string; handset: string } }): Operator {
  const { store } = o;
  return {
    async waiting() {
      const codes = await listRequests(store, new Date());
      const held = await listApprovals(store, 'pending');
      return [
        ...codes.map((r) => ({ kind: 'pairing' as const, id: r.code, who: r.phone, detail: `expires ${r.expires_at.slice(11, 16)} UTC` })),
        ...held.map((a) => {
          const req = JSON.parse(a.request) as TextRequest;
          return { kind: 'approval' as const, id: a.id, who: req.to, detail: `${a.reason}: ${req.body.slice(0, 40)}` };
        }),
      ];
    },
    async approve(item) {
      if (item.kind === 'pairing') return `approved: ${await approvePairing(store, item.id)} may talk to the agent`;
      const approval = await getApproval(store, item.id);
      if (!approval || !(await decideApproval(store, item.id, 'approved'))) return `${item.id} is no longer pending`;
      const req = JSON.parse(approval.request) as TextRequest;
      const outcome = await sendText(req, { ...o.policy, approved: true }, o.depsFor(req));
      return outcome.kind === 'sent' ? `sent ${outcome.results.map((r) => r.sid).join(', ')} to ${req.to}` : `${item.id} is still held`;
    },
    async reject(item) {
      if (item.kind === 'pairing') return `rejected the code of ${await rejectPairing(store, item.id)}`;
      return (await decideApproval(store, item.id, 'rejected')) ? `rejected ${item.id}` : `${item.id} is no longer pending`;
    },
    ...(o.sandbox
      ? {
          async textAsHandset(body: string) {
            const { baseUrl, number, handset } = o.sandbox!;
            const res = await callSandboxControl(baseUrl, `/sandbox/v1/handsets/${encodeURIComponent(handset)}/messages?wait=false`, { method: 'POST', form: new URLSearchParams({ To: number, Body: body }) });
            return res.status < 400 ? `${handset} texted ${number}` : `the sandbox refused (HTTP ${res.status})`;
          },
        }
      : {}),
  };
}
