import { describe, expect, it } from 'vitest';
import { mayCarryCredentials, refuseMediaUrl, refuseRedirect } from '../../src/messaging/media-fetch-hosts.js';

const ACCOUNT = 'AC' + 'a1'.repeat(16);
const MEDIA_PATH = `/2010-04-01/Accounts/${ACCOUNT}/Messages/MM${'b2'.repeat(16)}/Media/ME${'c3'.repeat(16)}`;
const twilio = { accountSid: ACCOUNT };
const sandbox = { accountSid: ACCOUNT, apiOrigin: 'http://127.0.0.1:4010' };

describe("inbound media: Twilio's hosts only", () => {
  it("takes this account's media on api.twilio.com and Twilio's regional API hosts", () => {
    for (const host of ['api.twilio.com', 'api.ie1.twilio.com', 'api.dublin.ie1.twilio.com']) expect(refuseMediaUrl(`https://${host}${MEDIA_PATH}`, twilio)).toBeUndefined();
  });

  it('refuses other hosts, look-alikes, plain http, ports and credentials in the URL', () => {
    const refused = {
      'https://evil.example.com': 'evil.example.com is not one of Twilio',
      'https://api.twilio.com.evil.example': 'api.twilio.com.evil.example is not one of Twilio',
      'https://eviltwilio.com': 'eviltwilio.com is not',
      'https://media.twiliocdn.com': 'media.twiliocdn.com is not',
      'https://x.y.z.api.twilio.com': 'is not one of Twilio',
      'http://api.twilio.com': 'is not one of Twilio',
      'https://api.twilio.com:8443': 'is not one of Twilio',
      'https://user:pw@api.twilio.com': 'is not one of Twilio',
    };
    for (const [base, why] of Object.entries(refused)) expect(refuseMediaUrl(base + MEDIA_PATH, twilio)).toContain(why);
    expect(refuseMediaUrl('file:///etc/passwd', twilio)).toContain('file: is not');
    expect(refuseMediaUrl('not a url', twilio)).toBe('it is not a URL');
  });

  it("refuses what is not a Message Media URL, and another account's media", () => {
    expect(refuseMediaUrl(`https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT}/Messages.json`, twilio)).toBe('it is not a Twilio Message Media URL');
    expect(refuseMediaUrl(`https://api.twilio.com${MEDIA_PATH}/../../x`, twilio)).toBe('it is not a Twilio Message Media URL');
    expect(refuseMediaUrl(`https://api.twilio.com${MEDIA_PATH.replace(ACCOUNT, 'AC' + 'ff'.repeat(16))}`, twilio)).toBe('it belongs to another Twilio account');
  });

  it("with the sandbox, takes its origin only (Twilio's own hosts are not the configured API)", () => {
    expect(refuseMediaUrl(`http://127.0.0.1:4010${MEDIA_PATH}`, sandbox)).toBeUndefined();
    expect(refuseMediaUrl(`https://api.twilio.com${MEDIA_PATH}`, sandbox)).toContain('is not the configured API (127.0.0.1:4010)');
    expect(refuseMediaUrl(`http://127.0.0.1:4011${MEDIA_PATH}`, sandbox)).toContain('is not the configured API');
  });

  it('sends the credentials only to the media URL itself, never to the CDN it redirects to', () => {
    expect(mayCarryCredentials(`https://api.twilio.com${MEDIA_PATH}`, twilio)).toBe(true);
    expect(mayCarryCredentials('https://s3-external-1.amazonaws.com/media.twiliocdn.com/x', twilio)).toBe(false);
    expect(mayCarryCredentials('http://127.0.0.1:4010/cdn/media/ME1?Signature=x', sandbox)).toBe(false);
  });

  it('follows redirects to https only (the sandbox may redirect on its own origin)', () => {
    expect(refuseRedirect('https://s3-external-1.amazonaws.com/x', twilio)).toBeUndefined();
    expect(refuseRedirect('http://169.254.169.254/latest/meta-data', twilio)).toContain('not https');
    expect(refuseRedirect('https://u:p@cdn.example/x', twilio)).toContain('credentials');
    expect(refuseRedirect('http://127.0.0.1:4010/cdn/media/ME1', sandbox)).toBeUndefined();
    expect(refuseRedirect('http://127.0.0.1:9/x', sandbox)).toContain('not https');
  });
});
