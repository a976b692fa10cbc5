import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { familyOf, fromBase64Url, hashToken, newFamilyId, newToken, seal, toBase64Url, unseal } from '../../src/server/tokenText.js';

describe('refresh tokens as text', () => {
  it('are 66 URL-safe characters, <family>.<secret>, and never repeat', () => {
    const family = newFamilyId();
    const tokens = Array.from({ length: 200 }, () => newToken(family).token);
    expect(new Set(tokens).size).toBe(200);
    for (const token of tokens) {
      expect(token).toMatch(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
      expect(familyOf(token)).toBe(family);
    }
    expect([familyOf('x'), familyOf(42), familyOf(`${tokens[0]}=`)]).toEqual([null, null, null]);
  });

  it('hash to SHA-256, base64url', async () => {
    expect(await hashToken('abc')).toBe('ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
  });

  it('seal a child so that only its parent reads it back', async () => {
    const family = newFamilyId();
    const parent = newToken(family).token;
    const child = newToken(family);
    const sealed = await seal(parent, child.secret);
    expect(sealed).not.toBe(toBase64Url(child.secret));
    expect(await unseal(parent, sealed)).toBe(child.token);
    expect(await unseal(newToken(family).token, sealed)).not.toBe(child.token);
  });

  it('round-trip any bytes through base64url', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(fromBase64Url(toBase64Url(bytes))).toEqual(bytes);
      }),
    );
  });
});
