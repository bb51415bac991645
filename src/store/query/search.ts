import { AppError } from '../../shared/errors.js';

/**
 * The task search language, shared by the API, the dashboard's URL and both stores:
 *
 *   state:FAILURE,RETRY name:billing.* args:"acme corp" -worker:w1@host runtime:>2 timeout
 *
 * - whitespace separates clauses, all ANDed; `-` in front negates a clause
 * - `field:value`; value may be "quoted" (with \" inside); `a,b` means either
 * - `*` in name/worker/queue values is a wildcard
 * - text fields (args, kwargs, result, exception, traceback) match a substring, case-insensitively
 * - runtime and retries take a comparison: `runtime:>1.5`, `retries:>=1`, `retries:0`
 * - a bare word or "phrase" matches a task whose id starts with it (as typed, or with ASCII
 *   letters lowercased: Celery's ids are lowercase hex), or whose name, args, kwargs, result or
 *   exception contains it (case-insensitively). Ids are matched by prefix, not substring, so
 *   that they are found through the primary key and stay out of the full-text indexes.
 */
export type SearchField =
  | 'state'
  | 'name'
  | 'worker'
  | 'queue'
  | 'uuid'
  | 'root'
  | 'parent'
  | 'exception_type'
  | 'args'
  | 'kwargs'
  | 'result'
  | 'exception'
  | 'traceback'
  | 'runtime'
  | 'retries'
  | 'text';

export type SearchOp = 'in' | 'contains' | 'gt' | 'gte' | 'lt' | 'lte' | 'eq';

export interface SearchClause {
  field: SearchField;
  op: SearchOp;
  /** For `in`: several (globs allowed for name/worker/queue). For the others: one. */
  values: string[];
  negate: boolean;
}

const FIELD_ALIASES: Record<string, SearchField> = {
  state: 'state', status: 'state', name: 'name', task: 'name', worker: 'worker', hostname: 'worker',
  queue: 'queue', uuid: 'uuid', id: 'uuid', root: 'root', root_id: 'root', parent: 'parent',
  parent_id: 'parent', exc: 'exception_type', exception_type: 'exception_type', args: 'args',
  kwargs: 'kwargs', result: 'result', exception: 'exception', traceback: 'traceback',
  runtime: 'runtime', retries: 'retries',
};
const LIST_FIELDS = new Set<SearchField>(['state', 'name', 'worker', 'queue', 'uuid', 'root', 'parent', 'exception_type']);
const NUMERIC_FIELDS = new Set<SearchField>(['runtime', 'retries']);

export const MAX_SEARCH_LENGTH = 2048;
const MAX_CLAUSES = 32;

interface Token {
  neg: boolean;
  field: string | null;
  value: string;
}

function tokenize(input: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = input.length;
  const readValue = (): string => {
    if (input[i] === '"') {
      i++;
      let v = '';
      while (i < n && input[i] !== '"') {
        if (input[i] === '\\' && i + 1 < n) i++;
        v += input[i++];
      }
      if (i >= n) throw new AppError('INVALID_SEARCH', 'unclosed quote in search');
      i++;
      return v;
    }
    const start = i;
    while (i < n && !/\s/.test(input[i]!)) {
      if (input[i] === '"') {
        // a quoted part inside a value: state:"A B" handled above; name:a"b" is an error
        throw new AppError('INVALID_SEARCH', `unexpected quote at position ${i + 1}`);
      }
      i++;
    }
    return input.slice(start, i);
  };
  while (i < n) {
    while (i < n && /\s/.test(input[i]!)) i++;
    if (i >= n) break;
    let neg = false;
    if (input[i] === '-' && i + 1 < n && !/\s/.test(input[i + 1]!)) {
      neg = true;
      i++;
    }
    let field: string | null = null;
    const m = /^([A-Za-z_]+):/.exec(input.slice(i, i + 40));
    if (m) {
      field = m[1]!.toLowerCase();
      i += m[0].length;
    }
    const value = readValue();
    out.push({ neg, field, value });
  }
  return out;
}

export function parseSearch(input: string): SearchClause[] {
  if (input.length > MAX_SEARCH_LENGTH) throw new AppError('INVALID_SEARCH', `search is longer than ${MAX_SEARCH_LENGTH} characters`);
  const tokens = tokenize(input);
  if (tokens.length > MAX_CLAUSES) throw new AppError('INVALID_SEARCH', `search has more than ${MAX_CLAUSES} terms`);
  return tokens.map((t) => toClause(t));
}

function toClause(t: Token): SearchClause {
  if (t.field === null) {
    if (t.value === '') throw new AppError('INVALID_SEARCH', 'empty search term');
    return { field: 'text', op: 'contains', values: [t.value], negate: t.neg };
  }
  const field = FIELD_ALIASES[t.field];
  if (!field) {
    throw new AppError('INVALID_SEARCH', `unknown search field "${t.field}" (use one of ${Object.keys(FIELD_ALIASES).join(', ')})`);
  }
  if (t.value === '') throw new AppError('INVALID_SEARCH', `${t.field}: needs a value`);
  if (NUMERIC_FIELDS.has(field)) {
    const m = /^(>=|<=|>|<|=)?(-?\d+(?:\.\d+)?)$/.exec(t.value);
    if (!m) throw new AppError('INVALID_SEARCH', `${t.field}: expected a number with an optional comparison, like ${t.field}:>1`);
    const op: SearchOp = ({ '>': 'gt', '>=': 'gte', '<': 'lt', '<=': 'lte', '=': 'eq' } as const)[m[1] as '>'] ?? 'eq';
    return { field, op, values: [m[2]!], negate: t.neg };
  }
  if (LIST_FIELDS.has(field)) {
    const values = t.value.split(',').map((v) => v.trim()).filter((v) => v !== '');
    if (values.length === 0) throw new AppError('INVALID_SEARCH', `${t.field}: needs a value`);
    return { field, op: 'in', values: field === 'state' ? values.map((v) => v.toUpperCase()) : values, negate: t.neg };
  }
  return { field, op: 'contains', values: [t.value], negate: t.neg };
}

/** Turns a glob with `*` into a SQL LIKE pattern (escaping % and _ with \). */
export function globToLike(glob: string): string {
  return glob.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\*/g, '%');
}

export const hasWildcard = (v: string) => v.includes('*');

/** Escapes a literal for use inside a LIKE '%...%' pattern with ESCAPE '\'. */
export const likeEscape = (v: string) => v.replace(/[\\%_]/g, (c) => `\\${c}`);

/** ASCII letters lowercased (what a bare word is also compared with as an id prefix). */
export const asciiLower = (v: string) => v.replace(/[A-Z]+/g, (c) => c.toLowerCase());

/** The id prefixes a bare word matches: the word as typed and, if different, ASCII-lowercased. */
export function idPrefixes(word: string): string[] {
  const lower = asciiLower(word);
  return lower === word ? [word] : [word, lower];
}

/** The searched columns a bare word matches by substring (the id is matched by prefix). */
export const WORD_COLUMNS = ['name', 'args', 'kwargs', 'result', 'exception'] as const;
