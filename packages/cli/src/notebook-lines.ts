import { readFileSync } from 'node:fs';
import type { Diagnostic, FileProblem, FileResult } from '@mlops-lint/core';
import { notebookJsonLines } from '@mlops-lint/parser';

/**
 * The JSON line of every notebook finding and problem of `results` (see `notebookJsonLines`): GitHub and GitLab
 * place a finding on a line of the file as stored, so a notebook finding needs the line of the `.ipynb` JSON that
 * holds its cell line. Only notebooks with findings are read again; a notebook that cannot be read or parsed gets no
 * entries (the formats then name the file and put the cell and line in the message).
 */
export function computeNotebookLines(
  results: readonly FileResult[],
  problems: readonly FileProblem[],
  readText: (absPath: string) => string | null = readUtf8,
): Map<Diagnostic | FileProblem, number> {
  const out = new Map<Diagnostic | FileProblem, number>();
  const byFile = new Map<string, FileResult>();
  for (const r of results) byFile.set(r.displayPath, r);
  const mappers = new Map<string, ((cell: number, line: number) => number | null) | null>();
  const mapperFor = (r: FileResult): ((cell: number, line: number) => number | null) | null => {
    let mapper = mappers.get(r.absPath);
    if (mapper === undefined) {
      // Fixed notebooks are reported on their fixed text (also with --diff, which writes nothing).
      const text = r.output ?? readText(r.absPath);
      mapper = text === null ? null : notebookJsonLines(text);
      mappers.set(r.absPath, mapper);
    }
    return mapper;
  };
  const place = (item: Diagnostic | FileProblem, r: FileResult | undefined, cell: number | null, line: number | null): void => {
    if (!r || cell === null || line === null) return;
    const jsonLine = mapperFor(r)?.(cell, line) ?? null;
    if (jsonLine !== null) out.set(item, jsonLine);
  };
  for (const r of results) for (const d of r.diagnostics) place(d, r, d.cell, d.line);
  for (const p of problems) place(p, byFile.get(p.file), p.cell, p.line);
  return out;
}

function readUtf8(absPath: string): string | null {
  try {
    return readFileSync(absPath, 'utf8');
  } catch {
    return null;
  }
}
