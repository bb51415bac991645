import { useSyncExternalStore } from 'react';

interface Toast {
  id: number;
  text: string;
  tone: 'ok' | 'bad';
}

let toasts: Toast[] = [];
let nextId = 1;
const listeners = new Set<() => void>();
const emit = () => listeners.forEach((l) => l());

/** Shows a short message in the corner (mutation results and errors). */
export function toast(text: string, tone: Toast['tone'] = 'ok'): void {
  const t = { id: nextId++, text, tone };
  toasts = [...toasts.slice(-4), t];
  emit();
  window.setTimeout(() => {
    toasts = toasts.filter((x) => x !== t);
    emit();
  }, 6000);
}

export function Toasts() {
  const list = useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => toasts,
  );
  return (
    <div className="toasts" aria-live="polite">
      {list.map((t) => (
        <div key={t.id} className={`toast tone-${t.tone}`}>{t.text}</div>
      ))}
    </div>
  );
}
