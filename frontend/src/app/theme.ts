/**
 * Light or dark, following the system unless the user chose one (kept in localStorage). The
 * theme is Bootstrap's `data-bs-theme` on the root element, so every component follows it.
 */
export type ThemeChoice = 'system' | 'light' | 'dark';

const KEY = 'taskflow.theme';
const DARK = '(prefers-color-scheme: dark)';

export function storedTheme(): ThemeChoice {
  const value = window.localStorage.getItem(KEY);
  return value === 'light' || value === 'dark' ? value : 'system';
}

/** The theme `choice` shows now. */
export function effectiveTheme(choice: ThemeChoice): 'light' | 'dark' {
  if (choice !== 'system') return choice;
  return window.matchMedia?.(DARK).matches ? 'dark' : 'light';
}

/** Applies `choice`, keeps it, and follows the system's changes while it is `system`. */
export function applyTheme(choice: ThemeChoice): void {
  if (choice === 'system') window.localStorage.removeItem(KEY);
  else window.localStorage.setItem(KEY, choice);
  document.documentElement.setAttribute('data-bs-theme', effectiveTheme(choice));
}

let following = false;

/** Applies the stored choice at startup and follows the system from then on. */
export function startTheme(): void {
  applyTheme(storedTheme());
  if (following || !window.matchMedia) return;
  following = true;
  window.matchMedia(DARK).addEventListener('change', () => {
    if (storedTheme() === 'system') applyTheme('system');
  });
}
