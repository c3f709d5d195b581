import { describe, expect, it } from 'vitest';
import { fragmentToken, getToken, takeTokenFromFragment } from './token';

describe('takeTokenFromFragment', () => {
  it('stores the token handed over in the fragment and removes it from the address', () => {
    window.history.replaceState(null, '', '/projects?x=1#token=abc.def.ghi');
    expect(takeTokenFromFragment()).toBe(true);
    expect(getToken()).toBe('abc.def.ghi');
    expect(window.location.hash).toBe('');
    expect(window.location.pathname + window.location.search).toBe('/projects?x=1');
  });

  it('leaves storage alone when there is no token', () => {
    window.history.replaceState(null, '', '/#section');
    expect(takeTokenFromFragment()).toBe(false);
    expect(getToken()).toBeNull();
  });

  it("leaves an invitation's or a reset link's one-time token to its page", () => {
    for (const path of ['/invite', '/reset-password']) {
      window.history.replaceState(null, '', `${path}#token=one-time`);
      expect(takeTokenFromFragment()).toBe(false);
      expect(getToken()).toBeNull();
      expect(window.location.hash).toBe('#token=one-time');
    }
  });
});

describe('fragmentToken', () => {
  it('reads the token of a link', () => {
    expect(fragmentToken('#token=abc')).toBe('abc');
    expect(fragmentToken('')).toBeNull();
    expect(fragmentToken('#token=')).toBeNull();
  });
});
