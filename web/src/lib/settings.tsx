import { createContext, type ReactNode, useContext, useEffect, useMemo, useState } from 'react';

export type Theme = 'light' | 'dark';
export type TimeZoneMode = 'local' | 'utc';

interface Settings {
  theme: Theme;
  tz: TimeZoneMode;
  setTheme(t: Theme): void;
  setTz(t: TimeZoneMode): void;
}

const SettingsContext = createContext<Settings | null>(null);

function stored<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
  const v = window.localStorage.getItem(key);
  return allowed.includes(v as T) ? (v as T) : fallback;
}

/** Theme and time-zone choices, kept in localStorage. */
export function SettingsProvider({ children }: { children: ReactNode }) {
  const prefersDark = window.matchMedia?.('(prefers-color-scheme: dark)').matches;
  const [theme, setTheme] = useState<Theme>(() => stored('celeriac.theme', ['light', 'dark'], prefersDark ? 'dark' : 'light'));
  const [tz, setTz] = useState<TimeZoneMode>(() => stored('celeriac.tz', ['local', 'utc'], 'local'));
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    window.localStorage.setItem('celeriac.theme', theme);
  }, [theme]);
  useEffect(() => window.localStorage.setItem('celeriac.tz', tz), [tz]);
  const value = useMemo(() => ({ theme, tz, setTheme, setTz }), [theme, tz]);
  return <SettingsContext.Provider value={value}>{children}</SettingsContext.Provider>;
}

export function useSettings(): Settings {
  const s = useContext(SettingsContext);
  if (!s) throw new Error('useSettings outside SettingsProvider');
  return s;
}
