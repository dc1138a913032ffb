/**
 * JSON with source positions: `JSON.parse` gives the value but no idea where
 * anything is, and its error messages carry a character offset at best. This
 * scanner walks the same text and records, for every value, the line and
 * column where it starts, keyed by its JSON path (`models[1].path`), so a
 * validator can say "zoo.json line 7: models[1].path: expected a string".
 * Pure: text in, positions out.
 */

export interface SourcePos {
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

export class JsonSyntaxError extends Error {
  override name = 'JsonSyntaxError';
  constructor(
    readonly reason: string,
    readonly pos: SourcePos,
    readonly offset: number,
  ) {
    super(`line ${pos.line}, column ${pos.column}: ${reason}`);
  }
}

export interface LocatedJson {
  value: unknown;
  /** Path (as formatted by `formatPath`) -> where its value starts; "" is the root. */
  positions: Map<string, SourcePos>;
}

export type PathPart = string | number;

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `['models', 1, 'path']` -> `models[1].path`; odd keys are quoted (`settings["a b"]`). */
export function formatPath(parts: readonly PathPart[]): string {
  let out = '';
  for (const p of parts) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (IDENT.test(p)) out += out === '' ? p : `.${p}`;
    else out += `[${JSON.stringify(p)}]`;
  }
  return out;
}

/** Offset -> 1-based line and column (a tab counts as one column). */
export function positionOf(text: string, offset: number): SourcePos {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(Math.max(offset, 0), text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

/**
 * Parses strict JSON (RFC 8259) and records positions. Syntax errors throw
 * JsonSyntaxError with the line and column. The value equals `JSON.parse(text)`.
 */
export function parseJsonWithPositions(text: string): LocatedJson {
  // JSON.parse is the reference for what is valid; the scanner below is used for positions
  // and, when JSON.parse's message names no offset, for where the error is.
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const at = /at position (\d+)/.exec(message);
    let offset: number;
    let reason = message.replace(/\s*in JSON at position \d+.*$/, '').replace(/\s*\(line \d+ column \d+\)$/, '');
    if (at) offset = Number(at[1]);
    else {
      try {
        new Scanner(text).parseDocument();
        offset = text.length;
      } catch (e) {
        if (!(e instanceof JsonSyntaxError)) throw e;
        offset = e.offset;
        // V8's "Unexpected token 'x', "...whole text..." is not valid JSON" quotes the input: say it shorter.
        if (/is not valid JSON$/.test(reason)) reason = e.reason;
      }
    }
    throw new JsonSyntaxError(reason === '' ? 'invalid JSON' : reason, positionOf(text, offset), offset);
  }
  const scanner = new Scanner(text);
  scanner.parseDocument();
  return { value, positions: scanner.positions };
}

class Scanner {
  i = 0;
  readonly positions = new Map<string, SourcePos>();
  private line = 1;
  private lineStart = 0;

  constructor(private readonly text: string) {}

  parseDocument(): void {
    this.ws();
    this.value([]);
    this.ws();
    if (this.i < this.text.length) this.fail('unexpected text after the JSON value');
  }

  private fail(reason: string): never {
    throw new JsonSyntaxError(reason, positionOf(this.text, this.i), this.i);
  }

  private ws(): void {
    const t = this.text;
    while (this.i < t.length) {
      const c = t.charCodeAt(this.i);
      if (c === 10) {
        this.i++;
        this.line++;
        this.lineStart = this.i;
      } else if (c === 32 || c === 9 || c === 13) this.i++;
      else break;
    }
  }

  private value(path: PathPart[]): void {
    this.positions.set(formatPath(path), { line: this.line, column: this.i - this.lineStart + 1 });
    const c = this.text[this.i];
    if (c === '{') return this.object(path);
    if (c === '[') return this.array(path);
    if (c === '"') {
      this.string();
      return;
    }
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
    for (const word of ['true', 'false', 'null']) {
      if (this.text.startsWith(word, this.i)) {
        this.i += word.length;
        return;
      }
    }
    this.fail(c === undefined ? 'unexpected end of input' : `unexpected ${JSON.stringify(c)}`);
  }

  private object(path: PathPart[]): void {
    this.i++;
    this.ws();
    if (this.text[this.i] === '}') {
      this.i++;
      return;
    }
    for (;;) {
      if (this.text[this.i] !== '"') this.fail('expected a double-quoted property name');
      const key = this.string();
      this.ws();
      if (this.text[this.i] !== ':') this.fail("expected ':' after the property name");
      this.i++;
      this.ws();
      this.value([...path, key]);
      this.ws();
      const c = this.text[this.i];
      if (c === ',') {
        this.i++;
        this.ws();
        if (this.text[this.i] === '}') this.fail("trailing comma before '}'");
        continue;
      }
      if (c === '}') {
        this.i++;
        return;
      }
      this.fail("expected ',' or '}' after a property value");
    }
  }

  private array(path: PathPart[]): void {
    this.i++;
    this.ws();
    if (this.text[this.i] === ']') {
      this.i++;
      return;
    }
    for (let n = 0; ; n++) {
      this.value([...path, n]);
      this.ws();
      const c = this.text[this.i];
      if (c === ',') {
        this.i++;
        this.ws();
        if (this.text[this.i] === ']') this.fail("trailing comma before ']'");
        continue;
      }
      if (c === ']') {
        this.i++;
        return;
      }
      this.fail("expected ',' or ']' after an array element");
    }
  }

  private string(): string {
    const start = this.i;
    this.i++;
    const t = this.text;
    while (this.i < t.length) {
      const c = t[this.i]!;
      if (c === '"') {
        this.i++;
        return JSON.parse(t.slice(start, this.i)) as string;
      }
      if (c === '\\') {
        const e = t[this.i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(t.slice(this.i + 2, this.i + 6))) this.fail('bad \\u escape');
          this.i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) this.i += 2;
        else this.fail('bad escape in a string');
        continue;
      }
      if (c.charCodeAt(0) < 0x20) this.fail('unescaped control character in a string');
      this.i++;
    }
    this.fail('unterminated string');
  }

  private number(): void {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(this.text.slice(this.i, this.i + 400));
    if (!m) this.fail('bad number');
    this.i += m[0].length;
  }
}
