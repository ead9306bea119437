/** What a `# noqa` style comment suppresses. `codes === null` means every rule. */
export interface Suppression {
  /** 0-based line the comment is on (line directives), or -1 for file-level ones. */
  line: number;
  codes: string[] | null;
  /** Offset range of the comment, for editors that extend it. */
  start: number;
  end: number;
}

export interface Directives {
  lines: Map<number, Suppression>;
  file: Suppression[];
}

const NOQA = /#\s*noqa(?::\s*(?<codes>[A-Za-z0-9_-]+(?:[\s,]+[A-Za-z0-9_-]+)*))?/i;
const FILE_NOQA = /#\s*mlops-lint:\s*noqa(?::\s*(?<codes>[A-Za-z0-9_-]+(?:[\s,]+[A-Za-z0-9_-]+)*))?/i;

function splitCodes(raw: string | undefined): string[] | null {
  if (!raw) return null;
  const codes = raw.split(/[\s,]+/).filter(Boolean).map((c) => (/^ml\d/i.test(c) ? c.toUpperCase() : c));
  return codes.length > 0 ? codes : null;
}

/**
 * Reads suppression directives from comments: `# noqa`, `# noqa: ML101, ML201` (line), and
 * `# mlops-lint: noqa`, `# mlops-lint: noqa: ML101` (whole file). `lineOf` maps an offset to its 0-based line.
 */
export function parseDirectives(text: string, comments: ReadonlyArray<readonly [number, number]>, lineOf: (offset: number) => number): Directives {
  const lines = new Map<number, Suppression>();
  const file: Suppression[] = [];
  for (const [start, end] of comments) {
    const comment = text.slice(start, end);
    const fileMatch = FILE_NOQA.exec(comment);
    if (fileMatch) {
      file.push({ line: -1, codes: splitCodes(fileMatch.groups?.['codes']), start, end });
      continue;
    }
    const match = NOQA.exec(comment);
    if (!match) continue;
    const line = lineOf(start);
    const codes = splitCodes(match.groups?.['codes']);
    const existing = lines.get(line);
    if (existing && existing.codes && codes) existing.codes.push(...codes);
    else if (existing) existing.codes = null;
    else lines.set(line, { line, codes, start, end });
  }
  return { lines, file };
}

/** Whether a suppression covers a rule, given by code and name. */
export function suppresses(s: Suppression, code: string, name: string): boolean {
  return s.codes === null || s.codes.some((c) => c === code || c === name || (c.length < code.length && code.startsWith(c) && /^ML\d*$/.test(c)));
}
