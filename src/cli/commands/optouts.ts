/** `optouts list | add | remove`: numbers that must not be messaged. */
import { toE164 } from '../../messaging/phone.js';
import { addOptOut, listOptOuts, removeOptOut } from '../../store/optouts.js';
import type { CommandContext } from '../context.js';
import { formatTable } from '../output.js';
import { withStore } from '../with-resources.js';

export async function optoutsList(ctx: CommandContext): Promise<number> {
  const rows = await withStore(ctx, (store) => listOptOuts(store));
  ctx.out.result({ optouts: rows.map((r) => ({ phone: r.phone, source: r.source, since: r.created_at })) }, () =>
    rows.length ? formatTable([['NUMBER', 'SOURCE', 'SINCE'], ...rows.map((r) => [r.phone, r.source, r.created_at])]) : 'No opt-outs.',
  );
  return 0;
}

export async function optoutsAdd(ctx: CommandContext, phone: string): Promise<number> {
  const added = await withStore(ctx, async (store, settings) => {
    const e164 = toE164(phone, settings.resolution.config.sms.defaultCountry, 'Number', { national: 'config' });
    return { phone: e164, added: await addOptOut(store, e164, 'operator') };
  });
  ctx.out.result(added, () => (added.added ? `${added.phone} will not be messaged.` : `${added.phone} was already opted out.`));
  return 0;
}

export async function optoutsRemove(ctx: CommandContext, phone: string): Promise<number> {
  const removed = await withStore(ctx, async (store, settings) => {
    const e164 = toE164(phone, settings.resolution.config.sms.defaultCountry, 'Number', { national: 'config' });
    return { phone: e164, removed: await removeOptOut(store, e164) };
  });
  ctx.out.result(removed, () => (removed.removed ? `${removed.phone} can be messaged again.` : `${removed.phone} was not opted out.`));
  return 0;
}
