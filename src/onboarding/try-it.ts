/**
 * The three commands that show a newcomer the whole loop with the sandbox: a handset texts the
 * number, reads its inbox (the pairing code), and the operator approves the code. `serve` prints
 * them and the dashboard shows them while its feed is empty.
 */
import { commandPrefix } from '../command-prefix.js';

export function tryItCommands(o: { number: string; handset: string; prefix?: string }): string[] {
  // How the printed commands start on this machine, so they run as printed.
  const p = o.prefix ?? commandPrefix();
  return [
    `${p} sandbox text --from ${o.handset} --to ${o.number} "hello"`,
    `${p} sandbox inbox ${o.handset}      # the pairing code`,
    `${p} pairing approve CODE            # then text again: "echo: ..."`,
  ];
}
