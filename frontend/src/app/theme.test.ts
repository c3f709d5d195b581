import { afterEach, describe, expect, it } from 'vitest';
import { applyTheme, effectiveTheme, storedTheme } from './theme';

describe('theme', () => {
  afterEach(() => applyTheme('system'));

  it('follows the system until the user chooses, and keeps the choice', () => {
    expect(storedTheme()).toBe('system');
    applyTheme('dark');
    expect(document.documentElement.getAttribute('data-bs-theme')).toBe('dark');
    expect(storedTheme()).toBe('dark');
    applyTheme('light');
    expect(document.documentElement.getAttribute('data-bs-theme')).toBe('light');
    applyTheme('system');
    expect(storedTheme()).toBe('system');
    expect(document.documentElement.getAttribute('data-bs-theme')).toBe(effectiveTheme('system'));
  });
});
