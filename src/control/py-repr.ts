/**
 * Reads and writes Python literal reprs. Celery events carry `args`/`kwargs` as the repr
 * strings of the task's arguments (`"(2, 3)"`, `"{'a': 1}"`); to send a stored task again we
 * need them back as JSON values. Only plain literals are accepted: numbers, strings, None,
 * True, False, lists, tuples and dicts. Anything else (objects, sets, bytes, a repr cut short
 * with "...") is refused with a `ReprError` rather than guessed at.
 */
export class ReprError extends Error {
  constructor(message: string, readonly at: number) {
    super(`${message} at character ${at}`);
    this.name = 'ReprError';
  }
}

const MAX_DEPTH = 100;

class Reader {
  i = 0;
  constructor(readonly s: string) {}

  fail(msg: string): never {
    throw new ReprError(msg, this.i);
  }

  ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i]!)) this.i++;
  }

  value(depth: number): unknown {
    if (depth > MAX_DEPTH) this.fail('nested too deeply');
    this.ws();
    const c = this.s[this.i];
    if (c === undefined) this.fail('unexpected end');
    if (c === '[') return this.seq(']', depth);
    if (c === '(') return this.tuple(depth);
    if (c === '{') return this.dict(depth);
    if (c === "'" || c === '"') return this.str();
    if (/[rRuU]/.test(c) && (this.s[this.i + 1] === "'" || this.s[this.i + 1] === '"')) {
      const raw = c === 'r' || c === 'R';
      this.i++;
      return this.str(raw);
    }
    if (/[-+0-9.]/.test(c)) return this.num();
    const word = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(this.s.slice(this.i))?.[0] ?? '';
    if (word === 'None') return this.word(word, null);
    if (word === 'True') return this.word(word, true);
    if (word === 'False') return this.word(word, false);
    if (word) this.fail(`"${word}" is not a plain literal`);
    return this.fail(`unexpected "${c}"`);
  }

  private word(w: string, v: unknown): unknown {
    this.i += w.length;
    return v;
  }

  private items(close: string, depth: number): { items: unknown[]; trailingComma: boolean } {
    this.i++; // opening bracket
    const items: unknown[] = [];
    let trailingComma = false;
    for (;;) {
      this.ws();
      if (this.s[this.i] === close) {
        this.i++;
        return { items, trailingComma };
      }
      items.push(this.value(depth + 1));
      this.ws();
      const c = this.s[this.i];
      if (c === ',') {
        this.i++;
        trailingComma = true;
      } else if (c === close) {
        trailingComma = false;
      } else this.fail(c === undefined ? 'unexpected end' : `expected "," or "${close}"`);
      if (c === ',') continue;
    }
  }

  private seq(close: string, depth: number): unknown[] {
    return this.items(close, depth).items;
  }

  private tuple(depth: number): unknown[] {
    const start = this.i;
    const { items, trailingComma } = this.items(')', depth);
    // "(x)" is just x in Python, not a tuple; repr never writes it, so refuse it.
    if (items.length === 1 && !trailingComma) {
      this.i = start;
      this.fail('parenthesised value is not a tuple');
    }
    return items;
  }

  private dict(depth: number): Record<string, unknown> {
    this.i++;
    const out: Record<string, unknown> = {};
    for (;;) {
      this.ws();
      if (this.s[this.i] === '}') {
        this.i++;
        return out;
      }
      const keyAt = this.i;
      const key = this.value(depth + 1);
      this.ws();
      if (this.s[this.i] !== ':') {
        this.i = keyAt;
        this.fail(this.s[this.i] === undefined ? 'unexpected end' : 'a set is not JSON (expected a dict)');
      }
      this.i++;
      const v = this.value(depth + 1);
      out[jsonKey(key, keyAt, this)] = v;
      this.ws();
      const c = this.s[this.i];
      if (c === ',') this.i++;
      else if (c !== '}') this.fail(c === undefined ? 'unexpected end' : 'expected "," or "}"');
    }
  }

  private num(): number {
    const m = /^[-+]?(\d[\d_]*(\.[\d_]*)?|\.\d[\d_]*)([eE][-+]?\d+)?/.exec(this.s.slice(this.i));
    if (!m) {
      const inf = /^[-+]?(inf|nan)/.exec(this.s.slice(this.i));
      this.fail(inf ? `${inf[0]} is not a JSON number` : 'bad number');
    }
    const text = m[0];
    const after = this.s[this.i + text.length];
    if (after === 'j' || after === 'J') this.fail('complex numbers are not JSON');
    if (after !== undefined && /[A-Za-z_]/.test(after)) this.fail('bad number');
    this.i += text.length;
    const n = Number(text.replace(/_/g, ''));
    if (!Number.isFinite(n)) this.fail('number out of range');
    if (/^[-+]?\d+$/.test(text.replace(/_/g, '')) && !Number.isSafeInteger(n)) this.fail('integer too large for JSON');
    return n;
  }

  private str(raw = false): string {
    const q = this.s[this.i]!;
    const triple = this.s.startsWith(q.repeat(3), this.i);
    const end = triple ? q.repeat(3) : q;
    this.i += end.length;
    let out = '';
    for (;;) {
      const c = this.s[this.i];
      if (c === undefined) this.fail('unterminated string');
      if (this.s.startsWith(end, this.i)) {
        this.i += end.length;
        return out;
      }
      if (c === '\n' && !triple) this.fail('newline in string');
      if (c === '\\') {
        if (raw) {
          out += c + (this.s[this.i + 1] ?? '');
          this.i += 2;
          continue;
        }
        out += this.escape();
        continue;
      }
      out += c;
      this.i++;
    }
  }

  private escape(): string {
    const e = this.s[this.i + 1];
    this.i += 2;
    const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v', '0': '\0', '\n': '' };
    if (e === undefined) this.fail('unterminated string');
    if (e === 'x' || e === 'u' || e === 'U') {
      const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = this.s.slice(this.i, this.i + len);
      if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) this.fail(`bad \\${e} escape`);
      this.i += len;
      const cp = Number.parseInt(hex, 16);
      if (cp > 0x10ffff) this.fail('code point out of range');
      return String.fromCodePoint(cp);
    }
    if (/[0-7]/.test(e)) {
      const m = /^[0-7]{1,3}/.exec(this.s.slice(this.i - 1))![0];
      this.i += m.length - 1;
      return String.fromCodePoint(Number.parseInt(m, 8));
    }
    if (e in simple) return simple[e]!;
    return `\\${e}`; // Python keeps unknown escapes as written
  }
}

function jsonKey(key: unknown, at: number, r: Reader): string {
  if (typeof key === 'string') return key;
  // json.dumps (what Celery's serializer does) turns these keys into strings the same way.
  if (typeof key === 'number') return String(key);
  if (key === true) return 'true';
  if (key === false) return 'false';
  if (key === null) return 'null';
  r.i = at;
  return r.fail('a dict key must be a string or a number');
}

/** Parses one Python literal repr into a JSON value. Throws ReprError when it cannot. */
export function parsePyRepr(text: string): unknown {
  const r = new Reader(text);
  const v = r.value(0);
  r.ws();
  if (r.i !== text.length) r.fail('unexpected text after the value');
  return v;
}

/** Task args as stored (`"(2, 3)"`, `"[1]"`, `"()"`, or null) → a JSON array. */
export function parseArgsRepr(text: string | null | undefined): unknown[] {
  if (text == null || text.trim() === '') return [];
  const v = parsePyRepr(text);
  if (!Array.isArray(v)) throw new ReprError('args are not a tuple or list', 0);
  return v;
}

/** Task kwargs as stored (`"{'a': 1}"` or null) → a JSON object. */
export function parseKwargsRepr(text: string | null | undefined): Record<string, unknown> {
  if (text == null || text.trim() === '') return {};
  const v = parsePyRepr(text);
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ReprError('kwargs are not a dict', 0);
  return v as Record<string, unknown>;
}

/** Python's repr of a JSON value (for the argsrepr/kwargsrepr headers of a task we publish). */
export function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return String(v);
    const s = String(v);
    return s.includes('e') ? s.replace(/e([+-])(\d)$/, 'e$10$2') : s;
  }
  if (typeof v === 'string') return pyStr(v);
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (typeof v === 'object') {
    return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `${pyStr(k)}: ${pyRepr(x)}`).join(', ')}}`;
  }
  return pyStr(String(v));
}

/** A tuple repr, as Celery writes argsrepr: `(1,)`, `(1, 2)`, `()`. */
export function pyTupleRepr(args: unknown[]): string {
  if (args.length === 1) return `(${pyRepr(args[0])},)`;
  return `(${args.map(pyRepr).join(', ')})`;
}

function pyStr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === q || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + q;
}
