/** `doctor`: runs every check and prints pass, warn or fail with the fix. */
import { runDoctor } from '../../doctor/checks.js';
import { createKeychainStore } from '../../secrets/keychain.js';
import { safeForTerminal } from '../../text/terminal-safe.js';
import type { CommandContext } from '../context.js';

const MARK = { pass: 'ok  ', warn: 'warn', fail: 'FAIL' } as const;

export async function doctor(ctx: CommandContext): Promise<number> {
  const results = await runDoctor({ configFile: ctx.global.config, profile: ctx.global.profile, keychain: createKeychainStore(), probe: Boolean(ctx.opts.probe) });
  const failed = results.find((r) => r.status === 'fail');
  ctx.out.result({ ok: !failed, checks: results.map(({ exitCode: _exit, fields, ...r }) => ({ ...r, fix: r.fix ?? null, ...fields })) }, () =>
    results
      .map((r) => {
        const color = r.status === 'pass' ? 'green' : r.status === 'warn' ? 'yellow' : 'red';
        // Details quote what Twilio and the store answered (a number's URL, an error): shown terminal-safe.
        const shown = (text: string) => safeForTerminal(text, { multiline: true, max: 2000 });
        return `${ctx.out.paint(MARK[r.status], color)}  ${r.name.padEnd(17)} ${shown(r.detail)}${r.fix && r.status !== 'pass' ? `\n      fix: ${shown(r.fix)}` : ''}`;
      })
      .join('\n'),
  );
  return failed ? (failed.exitCode ?? 1) : 0;
}
