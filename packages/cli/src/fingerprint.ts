import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Diagnostic, FileResult } from '@mlops-lint/core';
import { decodeSource, SourceError, SourceFile } from '@mlops-lint/parser';

/**
 * A source line reduced to what identifies it: surrounding whitespace dropped and inner runs of whitespace made one
 * space, so re-indenting a block or aligning an assignment does not change a finding's identity.
 */
export function normalizeLine(line: string): string {
  return line.trim().replace(/\s+/g, ' ');
}

/**
 * The identity of a finding that survives unrelated edits: a hash of its rule code and its normalised first source
 * line, not of its line number. 16 hex digits (64 bits) of SHA-256.
 */
export function lineFingerprint(code: string, normalizedLine: string): string {
  return createHash('sha256').update(`${code}\0${normalizedLine}`).digest('hex').slice(0, 16);
}

/** The line of `text` that holds `offset`. */
export function lineAt(text: string, offset: number): string {
  const start = offset <= 0 ? 0 : text.lastIndexOf('\n', offset - 1) + 1;
  const end = text.indexOf('\n', start);
  return text.slice(start, end === -1 ? text.length : end).replace(/\r$/, '');
}

/** A finding's fingerprint and the normalised line it was made from (kept in baselines so that people can read them). */
export interface LineIdentity {
  fingerprint: string;
  line: string;
}

/**
 * Fingerprints of every diagnostic of `results`, from the text the diagnostics were computed on: the fixed text when
 * fixes changed the file (also with `--diff`, which writes nothing), else the file as it is on disk. Notebooks are
 * read through their virtual Python text, where the diagnostics' offsets point. A file that cannot be read again
 * gets fingerprints of the empty line, which still separates codes.
 */
export function computeIdentities(
  results: readonly FileResult[],
  readText: (absPath: string) => string | null = readDecoded,
): Map<Diagnostic, LineIdentity> {
  const out = new Map<Diagnostic, LineIdentity>();
  for (const r of results) {
    if (r.diagnostics.length === 0) continue;
    const text = r.output ?? readText(r.absPath);
    let code = '';
    if (text !== null) {
      try {
        code = SourceFile.prepare(r.displayPath, text).code;
      } catch (error) {
        if (!(error instanceof SourceError)) throw error;
      }
    }
    for (const d of r.diagnostics) {
      const line = normalizeLine(lineAt(code, d.start));
      out.set(d, { fingerprint: lineFingerprint(d.code, line), line });
    }
  }
  return out;
}

function readDecoded(absPath: string): string | null {
  try {
    return decodeSource(readFileSync(absPath)).text;
  } catch {
    return null;
  }
}

/**
 * The text of a 1-based `line` (inside `cell` for notebooks) of a file's text, as the linter saw it (IPython magics
 * blanked); `null` when there is no such line or cell. Used where only line numbers are known (merged JSON reports).
 */
export function sourceLine(displayPath: string, text: string, cell: number | null, line: number): string | null {
  let code: string;
  try {
    const prepared = SourceFile.prepare(displayPath, text);
    code = prepared.code;
    if (cell !== null) {
      const c = prepared.notebook?.cells.find((x) => x.index === cell && x.linted);
      if (!c) return null;
      code = code.slice(c.virtualStart, c.virtualEnd);
    }
  } catch (error) {
    if (error instanceof SourceError) return null;
    throw error;
  }
  const found = code.split('\n')[line - 1];
  return found === undefined ? null : found.replace(/\r$/, '');
}

/** Reads a file as the linter does, or `null` when it cannot. */
export function readSourceText(absPath: string): string | null {
  return readDecoded(absPath);
}

/** Just the fingerprints, as formatters take them. */
export function fingerprintsOf(ids: ReadonlyMap<Diagnostic, LineIdentity>): Map<Diagnostic, string> {
  return new Map([...ids].map(([d, id]) => [d, id.fingerprint]));
}
