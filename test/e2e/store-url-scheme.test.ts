/**
 * A store.url with a scheme that is neither PostgreSQL nor SQLite (a typo such as postgress://, or
 * mysql://) is refused, naming the value without its password and the forms that work; it used to
 * become a SQLite file in a folder named after the scheme, and a real message was sent through it.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { describeStoreUrl, openStore } from '../../src/store/open-store.js';
import { storeUrlProblem } from '../../src/store/store-url.js';
import { isolatedEnv, telephony } from '../helpers/cli.js';

describe('store.url schemes', () => {
  it.each(['postgress://openclaw:pw-s3cret@127.0.0.1:54391/octserve', 'mysql://x@y/z', 'file:///tmp/t.sqlite', 'sqlite3://t.sqlite', 'PG://h/d'])('refuses %s', (url) => {
    expect(storeUrlProblem(url)).toMatch(/has the scheme "\w+:\/\/", which is neither PostgreSQL nor SQLite/);
    expect(() => describeStoreUrl(url)).toThrow(ConfigError);
  });

  it.each([
    ['postgres://u:pw@h/d', 'postgres'],
    ['postgresql://u@h:5432/d?sslmode=require', 'postgres'],
    ['C:\\data\\t.sqlite', 'sqlite'],
    ['C:/data/t.sqlite', 'sqlite'],
    ['file.sqlite', 'sqlite'],
    ['sqlite:C:\\data\\t.sqlite', 'sqlite'],
    ['sqlite:/var/lib/t.sqlite', 'sqlite'],
    ['/var/lib/telephony.sqlite', 'sqlite'],
  ])('accepts %s', (url, dialect) => {
    expect(storeUrlProblem(url)).toBeUndefined();
    expect(describeStoreUrl(url).dialect).toBe(dialect);
  });

  it('openStore refuses an unknown scheme before creating anything, and the password stays out of the error', async () => {
    const before = readdirSync(process.cwd());
    const err = await openStore('postgress://openclaw:pw-s3cret@127.0.0.1:9/octserve').catch((e: ConfigError) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toContain('"postgress://[redacted]@127.0.0.1:9/octserve"');
    expect((err as ConfigError).message).not.toContain('pw-s3cret');
    expect((err as ConfigError).hint).toMatch(/sqlite:PATH, or a PostgreSQL URL such as postgres:\/\/db.internal:5432\/openclaw/);
    expect(readdirSync(process.cwd())).toEqual(before);
  });

  it('opens a relative SQLite file name in the working directory', async () => {
    const dir = path.join(os.tmpdir(), `oct-rel-${process.pid}-${Date.now()}`);
    mkdirSync(dir);
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const store = await openStore('file.sqlite');
      await store.close();
      expect(existsSync(path.join(dir, 'file.sqlite'))).toBe(true);
    } finally {
      process.chdir(cwd);
    }
  });

  it('config validate refuses it in the file, naming the value (password redacted) and the accepted forms', async () => {
    const { env, cwd } = isolatedEnv();
    const file = path.join(cwd, 'openclaw.config.json5');
    writeFileSync(file, '{ channels: { telephony: { store: { url: "postgress://openclaw:pw-s3cret@127.0.0.1:54391/octserve" } } } }\n');
    const res = await telephony(['config', 'validate', '--json'], { env, cwd });
    expect(res.code).not.toBe(0);
    const out = JSON.parse(res.stdout);
    expect(out.valid).toBe(false);
    expect(JSON.stringify(out.errors)).toMatch(/postgress:\/\/\S+@127\.0\.0\.1:54391\/octserve/);
    expect(JSON.stringify(out.errors)).toContain('postgres://db.internal:5432/openclaw');
    expect(res.stdout + res.stderr).not.toContain('pw-s3cret');
  });

  it('send refuses OPENCLAW_TELEPHONY_STORE_URL=mysql://x@y/z, sends nothing and creates no mysql: folder', async () => {
    const { env, cwd } = isolatedEnv({ OPENCLAW_TELEPHONY_STORE_URL: 'mysql://x@y/z', TWILIO_ACCOUNT_SID: 'AC' + '1f'.repeat(16), TWILIO_AUTH_TOKEN: 'a3'.repeat(16), TWILIO_PHONE_NUMBER: '+15550002222', OPENCLAW_TELEPHONY_SANDBOX_URL: 'http://127.0.0.1:9' });
    const res = await telephony(['send', '+15550009999', 'hello', '--json'], { env, cwd });
    expect(res.code).toBe(3);
    const { error } = JSON.parse(res.stdout);
    expect(error.message).toMatch(/"mysql:\/\/\S+@y\/z"/);
    expect(error.message).toContain('OPENCLAW_TELEPHONY_STORE_URL');
    expect(readdirSync(cwd)).toEqual([]);
  });
});
