/** Scripts bound to handset numbers: an outbound call to such a number is answered by its script. */
import type { SandboxContext } from '../context.js';
import type { HandsetScript } from './script.js';

const bound = new WeakMap<SandboxContext, Map<string, HandsetScript>>();

function mapOf(ctx: SandboxContext): Map<string, HandsetScript> {
  let m = bound.get(ctx);
  if (!m) bound.set(ctx, (m = new Map()));
  return m;
}

export function bindScript(ctx: SandboxContext, phone: string, script: HandsetScript | null): void {
  if (script) mapOf(ctx).set(phone, script);
  else mapOf(ctx).delete(phone);
}

export function boundScriptFor(ctx: SandboxContext, phone: string): HandsetScript | undefined {
  return mapOf(ctx).get(phone);
}

export function boundHandsets(ctx: SandboxContext): string[] {
  return [...mapOf(ctx).keys()];
}
