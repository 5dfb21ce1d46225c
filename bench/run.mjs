// `npm run bench`: runs every benchmark (or those named: `npm run bench -- cold-start`) and prints comparable figures.
const all = ['cold-start', 'sandbox-start', 'send-single', 'webhooks', 'webhooks-instances', 'webhooks-soak', 'batch-10k', 'concurrent-batches', 'openclaw-help'];
const selected = process.argv.slice(2).length ? process.argv.slice(2) : all;
console.log(`openclaw-telephony benchmarks on Node ${process.versions.node}, ${process.platform}/${process.arch}`);
for (const name of selected) {
  const mod = await import(`./${name}.mjs`);
  await mod.run();
}
