/**
 * The failed-rows file (trial H4): beside the batch file rather than in the working folder, owner-only
 * (0600, as the store: it holds numbers and bodies), in the data folder when the batch's folder cannot
 * be written (a Windows scheduled task starts in C:\Windows\System32), and when no folder can take it
 * the run still prints its summary and exits 7 with `failedFile: null` and why, never exit 1 with a raw EPERM.
 */
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { isolatedEnv, telephony } from '../helpers/cli.js';
import { sentMessages } from '../helpers/sent.js';

const posix = process.platform !== 'win32';
const root = process.getuid?.() === 0;
// Permissions do not stop root: the unwritable cases run the CLI as another user then.
const runAs = root ? { uid: 65534, gid: 65534 } : {};

let sb: Sandbox;
beforeAll(async () => {
  sb = await startSandbox({ port: 0, deliveryDelayMs: 10, rates: { longcode: 1000 } });
});
afterAll(() => sb.close());

let nextNumber = 15550480000;
/** One good row and one that cannot be sent (not a number): 1 sent, 1 failed, exit 7. */
function rows(): { good: string; csv: string } {
  const good = `+${++nextNumber}`;
  return { good, csv: `to,body\n${good},failed rows file ${good}\nnot-a-number,never sent\n` };
}

/** A home whose folders the CLI's user owns (the store, data and cache folders), and a working folder. */
function setup() {
  const { env, home, cwd } = isolatedEnv();
  const dataDir = path.join(home, 'data');
  mkdirSync(dataDir);
  Object.assign(env, {
    OPENCLAW_TELEPHONY_STORE_URL: path.join(home, 'store.sqlite'),
    OPENCLAW_TELEPHONY_SANDBOX_URL: sb.baseUrl,
    OPENCLAW_TELEPHONY_DATA_DIR: dataDir,
    TWILIO_PHONE_NUMBER: sb.describe().numbers[0].phoneNumber,
  });
  if (root) chownTree(home, 65534);
  return { env, home, cwd, dataDir };
}

function chownTree(dir: string, id: number): void {
  chownSync(dir, id, id);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) chownTree(path.join(dir, entry.name), id);
    else chownSync(path.join(dir, entry.name), id, id);
  }
}

const summaryOf = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!).summary;
const modeOf = (file: string) => statSync(file).mode & 0o777;
const failedFilesIn = (dir: string) => readdirSync(dir).filter((f) => /\.failed-.*\.csv$/.test(f));

describe('the failed-rows file', () => {
  it('goes beside an absolute batch path, not in the working folder, owner-only', async () => {
    const { env, cwd } = setup();
    const elsewhere = mkdtempSync(path.join(os.tmpdir(), 'oct-batch-'));
    const { good, csv } = rows();
    writeFileSync(path.join(elsewhere, 'bad.csv'), csv);
    const res = await telephony(['send', '--sandbox', '--batch', path.join(elsewhere, 'bad.csv'), '--json'], { env, cwd });
    expect(res.code).toBe(7);
    const summary = summaryOf(res.stdout);
    expect(path.dirname(summary.failedFile)).toBe(elsewhere);
    expect(path.basename(summary.failedFile)).toMatch(/^bad\.failed-.*\.csv$/);
    expect(summary.failedFileError).toBeNull();
    if (posix) expect(modeOf(summary.failedFile)).toBe(0o600);
    expect(readFileSync(summary.failedFile, 'utf8')).toContain('not-a-number');
    expect(failedFilesIn(cwd)).toEqual([]);
    expect((await sentMessages(sb)).filter((m) => m.to === good)).toHaveLength(1);
  });

  it('of rows piped in (--batch -) goes in the working folder, owner-only', async () => {
    const { env, cwd } = setup();
    const res = await telephony(['send', '--sandbox', '--batch', '-', '--json'], { env, cwd, input: rows().csv });
    expect(res.code).toBe(7);
    const summary = summaryOf(res.stdout);
    expect(path.dirname(summary.failedFile)).toBe(cwd);
    expect(path.basename(summary.failedFile)).toMatch(/^batch\.failed-.*\.csv$/);
    if (posix) expect(modeOf(summary.failedFile)).toBe(0o600);
  });
});

describe.skipIf(!posix)('a folder the failed-rows file cannot be written in', () => {
  it('the batch file\'s folder: it goes in the data folder', async () => {
    const { env, cwd, home, dataDir } = setup();
    const readOnly = path.join(home, 'readonly');
    mkdirSync(readOnly);
    writeFileSync(path.join(readOnly, 'bad.csv'), rows().csv);
    chmodSync(readOnly, 0o555);
    const res = await telephony(['send', '--sandbox', '--batch', path.join(readOnly, 'bad.csv'), '--json'], { env, cwd, ...runAs });
    expect(res.stderr).not.toMatch(/EACCES|EPERM|internal/);
    expect(res.code).toBe(7);
    const summary = summaryOf(res.stdout);
    expect(path.dirname(summary.failedFile)).toBe(dataDir);
    expect(modeOf(summary.failedFile)).toBe(0o600);
  });

  it('the working folder, for rows piped in: it goes in the data folder', async () => {
    const { env, cwd, dataDir } = setup();
    chmodSync(cwd, 0o555);
    const res = await telephony(['send', '--sandbox', '--batch', '-', '--json'], { env, cwd, input: rows().csv, ...runAs });
    expect(res.code).toBe(7);
    expect(path.dirname(summaryOf(res.stdout).failedFile)).toBe(dataDir);
  });

  it('no folder at all: the summary is still printed, failedFile null with why and the fix, exit 7 (text and --json)', async () => {
    const { env, cwd, home, dataDir } = setup();
    const readOnly = path.join(home, 'readonly');
    mkdirSync(readOnly);
    const { good, csv } = rows();
    writeFileSync(path.join(readOnly, 'bad.csv'), csv);
    chmodSync(readOnly, 0o555);
    chmodSync(dataDir, 0o555);
    const batch = path.join(readOnly, 'bad.csv');

    const json = await telephony(['send', '--sandbox', '--batch', batch, '--json'], { env, cwd, ...runAs });
    expect(json.code).toBe(7);
    const summary = summaryOf(json.stdout);
    expect(summary).toMatchObject({ sentNow: 1, failed: 1, failedFile: null, failedFileError: { code: 'failed_file_unwritable' } });
    expect(summary.failedFileError.message).toContain(readOnly);
    expect(summary.failedFileError.message).toContain(dataDir);
    expect(summary.failedFileError.hint).toMatch(/Start in/);

    const text = await telephony(['send', '--sandbox', '--batch', batch], { env, cwd, ...runAs });
    expect(text.code).toBe(7);
    expect(text.stderr).toMatch(/0 sent, 1 already sent before and not sent again, 1 failed/);
    expect(text.stderr).toContain(`could not be written in ${readOnly}`);
    expect(text.stderr).toMatch(/hint: .*Start in/);
    expect(text.stderr).not.toMatch(/EPERM: |internal/);
    expect(failedFilesIn(readOnly)).toEqual([]);
    expect(existsSync(dataDir) && failedFilesIn(dataDir)).toEqual([]);
    expect((await sentMessages(sb)).filter((m) => m.to === good)).toHaveLength(1);
  });
});
