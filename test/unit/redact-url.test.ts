/** Credentials inside URLs (review A8): the whole userinfo and every secret query value, one rule for store URLs and for any URL in text. */
import { describe, expect, it } from 'vitest';
import { redact } from '../../src/secrets/redact.js';
import { redactUrl } from '../../src/secrets/redact-url.js';
import { describeStoreUrl, storeUrlProblem } from '../../src/store/store-url.js';

describe('redactUrl', () => {
  it.each([
    ['postgres://u@127.0.0.1:9/db?password=s3cretPW', 'postgres://[redacted]@127.0.0.1:9/db?password=[redacted]'],
    ['postgres://u:p@ssW0rd@127.0.0.1:9/db', 'postgres://[redacted]@127.0.0.1:9/db'],
    ['postgres://u:pa#ss@h/db', 'postgres://[redacted]@h/db'],
    ['postgres://u:pa/ss@h/db', 'postgres://[redacted]@h/db'],
    ['postgres://u:pa?ss@h/db?x=1', 'postgres://[redacted]@h/db?x=1'],
    ['postgres://h/db?sslmode=require&sslpassword=abc&connect_timeout=5#frag', 'postgres://h/db?sslmode=require&sslpassword=[redacted]&connect_timeout=5#frag'],
    ['postgres:///db?host=/var/run/postgresql&PassWord=x', 'postgres:///db?host=/var/run/postgresql&PassWord=[redacted]'],
    ['postgres://h/db?options=a@b', 'postgres://h/db?options=a@b'],
    ['https://user:pass@bot.example.com/telephony', 'https://[redacted]@bot.example.com/telephony'],
    ['https://h/a?Signature=zz&b=1', 'https://h/a?Signature=[redacted]&b=1'],
    ['postgres://db.internal:5432/openclaw', 'postgres://db.internal:5432/openclaw'],
  ])('%s', (url, shown) => {
    expect(redactUrl(url)).toBe(shown);
  });

  it('is what store URLs and free text both show', () => {
    const url = 'postgres://u:p@ssW0rd@127.0.0.1:9/db?sslpassword=k3yPass';
    expect(describeStoreUrl(url).location).toBe('postgres://[redacted]@127.0.0.1:9/db?sslpassword=[redacted]');
    expect(storeUrlProblem('postgress://u:p@ssW0rd@h/db')).toContain('"postgress://[redacted]@h/db"');
    expect(redact(`The store at ${url} did not answer`)).toBe('The store at postgres://[redacted]@127.0.0.1:9/db?sslpassword=[redacted] did not answer');
    expect(redact(`{"url":"postgres://u@h/db?password=s3cretPW","hint":"mail a@b.example"}`)).toBe('{"url":"postgres://[redacted]@h/db?password=[redacted]","hint":"mail a@b.example"}');
  });
});
