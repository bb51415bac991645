/**
 * Task payloads (args, kwargs, result, exception, traceback) are shown as text only: React
 * escapes children, and nothing here ever sets HTML.
 */
export function CodeBlock({ text, label, testId }: { text: string | null | undefined; label: string; testId?: string }) {
  return (
    <div className="code">
      <div className="code-label">{label}</div>
      {text == null || text === '' ? <div className="code-empty">—</div> : <pre data-testid={testId}>{text}</pre>}
    </div>
  );
}
