/** The store file: owner-only on disk, and a damaged, unreadable or read-only one named with its fix (#16). */
import { chmodSync, copyFileSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isolatedEnv, telephony } from '../helpers/cli.js';

const posix = process.platform !== 'win32';
const modeOf = (file: string) => (statSync(file).mode & 0o777).toString(8);

describe('store file', () => {
  it.skipIf(!posix)('is created 0600 in a 0700 data folder, and the default data folder is tightened from 0755', async () => {
    const { env, cwd } = isolatedEnv();
    const dataDir = path.join(env.XDG_DATA_HOME!, 'openclaw');
    mkdirSync(dataDir, { recursive: true, mode: 0o755 });
    chmodSync(dataDir, 0o755);
    const res = await telephony(['optouts', 'list'], { env, cwd });
    expect(res.code).toBe(0);
    expect(modeOf(dataDir)).toBe('700');
    expect(modeOf(path.join(dataDir, 'telephony.sqlite'))).toBe('600');
    // A store of its own elsewhere: a new folder 0700, the file 0600.
    const own = path.join(cwd, 'private', 'store.sqlite');
    expect((await telephony(['optouts', 'list'], { env: { ...env, OPENCLAW_TELEPHONY_STORE_URL: own }, cwd })).code).toBe(0);
    expect(modeOf(path.dirname(own))).toBe('700');
    expect(modeOf(own)).toBe('600');
  });

  it('a damaged store names the file and the fix, exit 3, and doctor fails its store check the same way', async () => {
    const { env, cwd } = isolatedEnv();
    const file = path.join(cwd, 'damaged.sqlite');
    writeFileSync(file, 'not a database, only text '.repeat(20));
    env.OPENCLAW_TELEPHONY_STORE_URL = file;
    const res = await telephony(['optouts', 'list'], { env, cwd });
    expect(res.code).toBe(3);
    expect(res.stderr).toContain(`The store ${file} is not a SQLite database, or it is damaged`);
    expect(res.stderr).toContain('damaged.sqlite.damaged');
    const doctor = await telephony(['doctor'], { env, cwd });
    expect(doctor.code).toBe(3);
    expect(doctor.stdout + doctor.stderr).toMatch(new RegExp(`FAIL\\s+store\\s+The store ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is not a SQLite database`));
  });

  it('a folder where the store file should be is refused with exit 3', async () => {
    const { env, cwd } = isolatedEnv();
    const file = path.join(cwd, 'folder.sqlite');
    mkdirSync(file);
    const res = await telephony(['optouts', 'list'], { env: { ...env, OPENCLAW_TELEPHONY_STORE_URL: file }, cwd });
    expect(res.code).toBe(3);
    expect(res.stderr).toContain(`The store ${file} could not be opened`);
  });

  it.skipIf(!posix)('doctor warns about a store other users can read', async () => {
    const { env, cwd } = isolatedEnv();
    const file = path.join(cwd, 'open.sqlite');
    env.OPENCLAW_TELEPHONY_STORE_URL = file;
    expect((await telephony(['optouts', 'list'], { env, cwd })).code).toBe(0);
    chmodSync(file, 0o644);
    const doctor = await telephony(['doctor'], { env, cwd });
    expect(doctor.stdout + doctor.stderr).toMatch(/warn\s+store\s+.*is readable by other users \(mode 644\)/);
    expect(doctor.stdout + doctor.stderr).toContain(`chmod 600 ${file}`);
  });
});

// Permissions do not stop root: the read-only and unreadable cases run the CLI as another user.
const asNobody = (args: string[], env: NodeJS.ProcessEnv, cwd: string) => telephony(args, { env, cwd, uid: 65534, gid: 65534 });

describe.skipIf(!posix || process.getuid?.() !== 0)('store file another user cannot write or read', () => {
  const setup = async () => {
    const { env, cwd, home } = isolatedEnv();
    const made = path.join(cwd, 'made.sqlite');
    expect((await telephony(['optouts', 'list'], { env: { ...env, OPENCLAW_TELEPHONY_STORE_URL: made }, cwd })).code).toBe(0);
    const shared = path.join(cwd, 'shared');
    mkdirSync(shared, { mode: 0o755 });
    const file = path.join(shared, 'store.sqlite');
    copyFileSync(made, file);
    for (const dir of [home, cwd, shared]) chmodSync(dir, 0o755);
    return { env: { ...env, OPENCLAW_TELEPHONY_STORE_URL: file }, cwd, file };
  };

  it('read-only: names the file and says how to make it writable, exit 3', async () => {
    const { env, cwd, file } = await setup();
    chmodSync(file, 0o644);
    const res = await asNobody(['optouts', 'list'], env, cwd);
    expect(res.code).toBe(3);
    expect(res.stderr).toContain(`The store ${file} is read-only`);
    expect(res.stderr).toContain('writable');
  });

  it('unreadable: names the file and the fix, exit 3', async () => {
    const { env, cwd, file } = await setup();
    chmodSync(file, 0o600);
    const res = await asNobody(['optouts', 'list'], env, cwd);
    expect(res.code).toBe(3);
    expect(res.stderr).toContain(`The store ${file} could not be opened`);
  });
});
