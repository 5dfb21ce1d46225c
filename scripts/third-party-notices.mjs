/**
 * THIRD_PARTY_NOTICES for the bundles: the packages whose code esbuild put into dist/bundle, each with
 * its name, version, licence and licence text (MIT, ISC, BSD and Apache-2.0 ask that their notice
 * travel with copies of the code; the bundles are such copies). Native dependencies are not bundled
 * and carry their own notices in node_modules.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The notices text for every package an esbuild metafile's inputs come from. */
export function thirdPartyNotices(repo, metafiles) {
  const roots = new Set();
  for (const metafile of metafiles) {
    for (const input of Object.keys(metafile.inputs)) {
      const root = packageRoot(path.resolve(repo, input));
      if (root) roots.add(root);
    }
  }
  const entries = [...roots].map(describePackage).sort((a, b) => a.id.localeCompare(b.id));
  const header =
    'openclaw-telephony (MIT) bundles the following packages into dist/bundle. Their licences and notices follow.\n';
  return header + entries.map((e) => `\n${'='.repeat(72)}\n${e.id} (${e.license})\n${e.text}`).join('\n') + '\n';
}

/** The folder under node_modules that holds a bundled file's package.json, or undefined for our own files. */
function packageRoot(file) {
  const parts = file.split(path.sep);
  const at = parts.lastIndexOf('node_modules');
  if (at < 0) return undefined;
  const depth = parts[at + 1]?.startsWith('@') ? 3 : 2;
  return parts.slice(0, at + depth).join(path.sep);
}

function describePackage(root) {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const license = typeof pkg.license === 'string' ? pkg.license : pkg.license?.type ?? 'see package';
  const file = readdirSync(root).find((name) => /^(licen[cs]e|copying|notice)(\.|$)/i.test(name));
  const text = file && existsSync(path.join(root, file)) ? readFileSync(path.join(root, file), 'utf8').trim() : `${license} (no licence file in the package; see ${pkg.homepage ?? pkg.repository?.url ?? 'its npm page'})`;
  return { id: `${pkg.name}@${pkg.version}`, license, text };
}
