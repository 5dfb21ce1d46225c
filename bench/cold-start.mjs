// Cold start of the CLI: `openclaw telephony --version` and `--help`. Targets: <= 120 ms median, <= 60 MiB.
import { BIN, measureProcess, printRow } from './lib.mjs';

export async function run() {
  for (const args of [['--version'], ['--help'], ['config', '--help']]) {
    const r = await measureProcess([BIN, ...args]);
    printRow(`cold start: telephony ${args.join(' ')}`, { median_ms: r.medianMs, peak_MiB: r.medianPeakMiB, runs: r.runs }, '<= 120 ms, <= 60 MiB');
  }
  const bare = await measureProcess(['-e', '0']);
  printRow('for scale: bare `node -e 0`', { median_ms: bare.medianMs, peak_MiB: bare.medianPeakMiB, runs: bare.runs });
}
