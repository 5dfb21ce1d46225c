import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { computeSignature, validateSignature, validateSignatureWithBody } from '../../src/twilio/signature.js';

const vectorsFile = path.resolve(__dirname, '../../../shared/reference/twilio-signature-vectors.json');
const fallback = path.resolve(__dirname, '../fixtures/twilio-signature-vectors.json');
const vectors = JSON.parse(readFileSync(fallback, 'utf8'));

describe('Twilio signature vectors', () => {
  it('uses the same vectors as shared/reference when that folder is beside the repo', () => {
    let shared: unknown;
    try {
      shared = JSON.parse(readFileSync(vectorsFile, 'utf8'));
    } catch {
      return; // a clone without shared/ beside it uses the checked-in copy
    }
    expect(shared).toEqual(vectors);
  });

  for (const c of vectors.formCases) {
    it(`form: ${c.name}`, () => {
      expect(validateSignature(vectors.authToken, c.signature, c.url, c.params)).toBe(true);
      expect(validateSignature(vectors.authToken, c.signature, c.url + 'x', c.params)).toBe(false);
      expect(validateSignature('wrong-token', c.signature, c.url, c.params)).toBe(false);
    });
  }
  for (const c of vectors.jsonBodyCases) {
    it(`json: ${c.name}`, () => {
      expect(validateSignatureWithBody(vectors.authToken, c.signature, c.url, c.body)).toBe(true);
      expect(validateSignatureWithBody(vectors.authToken, c.signature, c.url, c.body + ' ')).toBe(false);
    });
  }
  it('computes the base vector exactly', () => {
    const base = vectors.formCases[0];
    expect(computeSignature(vectors.authToken, base.url, base.params)).toBe(base.signature);
  });
});
