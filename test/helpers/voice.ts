/** Helpers for voice tests against a test sandbox: handset calls, timelines, notifications, status waits. */
import { expect } from 'vitest';
import type { TestSandbox } from './sandbox.js';

export interface TimelineView {
  callSid: string;
  status: string;
  direction: string;
  from: string;
  to: string;
  parentCallSid: string | null;
  answeredBy: string | null;
  script: { ok: boolean; stepsDone: number; failure?: string } | null;
  timeline: { t: number; kind: string; text: string; [k: string]: unknown }[];
}

async function control(ts: TestSandbox, path: string, form?: Record<string, string>): Promise<{ status: number; body: any }> {
  const res = await fetch(`${ts.sb.baseUrl}${path}`, form ? { method: 'POST', body: new URLSearchParams(form) } : {});
  return { status: res.status, body: res.status === 204 ? null : await res.json() };
}

/** A handset calls a sandbox number, optionally running a script (an object, sent as JSON). */
export async function handsetCall(ts: TestSandbox, from: string, to: string, script?: unknown): Promise<TimelineView> {
  const res = await control(ts, '/sandbox/v1/calls', { From: from, To: to, ...(script ? { Script: JSON.stringify(script) } : {}) });
  if (res.status !== 201) throw new Error(`handset call refused: ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function timeline(ts: TestSandbox, sid: string): Promise<TimelineView> {
  return (await control(ts, `/sandbox/v1/calls/${sid}/timeline`)).body;
}

/** Waits until the call has ended and its script (if any) reported; returns the final timeline. */
export async function endedCall(ts: TestSandbox, sid: string, timeout = 10_000): Promise<TimelineView> {
  await expect.poll(async () => ['completed', 'busy', 'no-answer', 'failed', 'canceled'].includes((await timeline(ts, sid)).status), { timeout }).toBe(true);
  return timeline(ts, sid);
}

export function heard(view: TimelineView): string[] {
  return view.timeline.filter((e) => e.kind === 'heard').map((e) => e.text);
}

export async function notifications(ts: TestSandbox): Promise<{ code: number; message: string; relatedSid?: string }[]> {
  return (await control(ts, '/sandbox/v1/notifications')).body.notifications;
}

export async function bindScript(ts: TestSandbox, phone: string, script: unknown): Promise<void> {
  const res = await control(ts, `/sandbox/v1/handsets/${encodeURIComponent(phone)}/script`, { Script: JSON.stringify(script) });
  if (res.status !== 200) throw new Error(`binding refused: ${JSON.stringify(res.body)}`);
}

export async function handsetDoes(ts: TestSandbox, sid: string, what: Record<string, string>): Promise<void> {
  const res = await control(ts, `/sandbox/v1/calls/${sid}/handset`, what);
  if (res.status !== 200) throw new Error(`handset action refused: ${JSON.stringify(res.body)}`);
}
