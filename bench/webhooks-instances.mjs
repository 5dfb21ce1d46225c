// Webhooks at saturation by store and number of `serve` instances: one instance on SQLite, one on
// PostgreSQL, and two on one PostgreSQL database (the load split between them as a load balancer
// would, half the connections each). The same signed, distinct inbound texts as bench/webhooks.mjs,
// each through verification, dedup, policy, the echo agent and the store. PostgreSQL is a throwaway
// server started here (or OPENCLAW_TELEPHONY_BENCH_PG_URL, see lib.mjs). Rounds alternate the configurations so a noisy stretch of a
// shared machine hits each alike; medians are printed.
import { benchPostgres, freshDatabase, median, PG_URL_HINT, printRow } from './lib.mjs';
import { makeRequests, memoryMiB, saturation, startServe } from './webhooks.mjs';

const SECONDS = Number(process.env.BENCH_WEBHOOK_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_WEBHOOK_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_WEBHOOK_CONNECTIONS ?? 32);

/** Saturation against every instance at once, the connections split evenly; the summed rate. */
async function saturateAll(instances, offset) {
  const perInstance = Math.max(1, Math.floor(CONNECTIONS / instances.length));
  const rates = await Promise.all(instances.map((s, i) => saturation(s.url, makeRequests(60_000, offset + i * 60_000), perInstance, SECONDS)));
  return rates.reduce((a, b) => a + b, 0);
}

export async function run() {
  const server = await benchPostgres();
  if (!server) {
    console.log(`webhooks-instances: skipped, PostgreSQL is not installed here (${PG_URL_HINT})`);
    return;
  }
  const configs = [];
  try {
    const one = await freshDatabase(server.url);
    const shared = await freshDatabase(server.url);
    configs.push({ name: 'webhooks: 1 serve on SQLite', instances: [await startServe()] });
    configs.push({ name: 'webhooks: 1 serve on PostgreSQL', instances: [await startServe({ OPENCLAW_TELEPHONY_STORE_URL: one })] });
    // Started one after the other: the second finds the schema migrated (the first held the migration lock).
    const first = await startServe({ OPENCLAW_TELEPHONY_STORE_URL: shared });
    configs.push({ name: 'webhooks: 2 serve on one PostgreSQL', instances: [first, await startServe({ OPENCLAW_TELEPHONY_STORE_URL: shared })] });
    for (const c of configs) await saturateAll(c.instances, 0); // warm-up: JIT, connections, pages
    const results = configs.map(() => []);
    for (let r = 0; r < ROUNDS; r++) {
      for (const [i, c] of configs.entries()) results[i].push(await saturateAll(c.instances, 1_000_000 + r * 1_000_000 + i * 200_000));
    }
    console.log(`(figures under load: this machine is shared with other work; compare the rows with each other, ${CONNECTIONS} connections in all, ${SECONDS} s x ${ROUNDS} rounds)`);
    for (const [i, c] of configs.entries()) {
      const rps = results[i];
      printRow(c.name, { saturation_rps: median(rps), rps_range: `${Math.round(Math.min(...rps))}-${Math.round(Math.max(...rps))}`, peak_MiB_per_instance: Math.max(...c.instances.map((s) => memoryMiB(s.child.pid))), rounds: ROUNDS });
    }
  } finally {
    // Every instance gone (its row removed, its pool closed) before the database server stops.
    await Promise.all(configs.flatMap((c) => c.instances.map((s) => new Promise((resolve) => (s.child.once('exit', resolve), s.child.kill('SIGTERM'))))));
    server.stop();
  }
}
