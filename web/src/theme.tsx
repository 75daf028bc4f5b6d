import { useState } from 'react';

type Theme = 'system' | 'light' | 'dark';
const THEME_KEY = 'winnow.theme';

/** Puts the saved theme on `<html data-theme>` (no attribute = follow the system), before the first paint. */
export function applySavedTheme(): void {
  const saved = localStorage.getItem(THEME_KEY);
  if (saved === 'light' || saved === 'dark') document.documentElement.dataset.theme = saved;
  else delete document.documentElement.dataset.theme;
}

/** System / light / dark: the system preference unless the user picks one (kept in this browser). */
export function ThemeToggle() {
  const [theme, setTheme] = useState<Theme>(() => (localStorage.getItem(THEME_KEY) as Theme | null) ?? 'system');
  return (
    <label className="theme-toggle">
      Theme
      <select
        value={theme}
        onChange={(e) => {
          const next = e.target.value as Theme;
          setTheme(next);
          if (next === 'system') localStorage.removeItem(THEME_KEY);
          else localStorage.setItem(THEME_KEY, next);
          applySavedTheme();
        }}
      >
        <option value="system">System</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
    </label>
  );
}
