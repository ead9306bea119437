/**
 * PEP 508 requirement strings and pip requirements files (`requirements*.txt`, `*.in`): what a dependency names,
 * how tightly it is pinned, and where it is written. Pure text processing; nothing is installed or executed.
 */
import { LineIndex } from '@mlops-lint/parser';

/** One version clause of a specifier: `>=2.1`. */
export interface VersionClause {
  op: string;
  version: string;
}

/** A parsed PEP 508 requirement. Offsets are relative to the string that was parsed. */
export interface Requirement {
  name: string;
  /** PEP 503 normalised name: lower case, runs of `-_.` as one `-`. */
  normalized: string;
  extras: string[];
  /** The specifier as written, whitespace removed (`>=2.1,<3`); '' when there is none. */
  specifier: string;
  clauses: VersionClause[];
  /** A direct reference (`name @ https://…`), or null. */
  url: string | null;
  marker: string | null;
  /** End offset of the name and extras: where a specifier starts or would be inserted. */
  specStart: number;
  /** End offset of the specifier (or of the URL): before the marker and trailing blanks. */
  specEnd: number;
}

/** PEP 503 normalisation. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

const NAME = /^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)/;
const CLAUSE = /^\s*(~=|===|==|!=|<=|>=|<|>)\s*([^\s,;()]+)\s*$/;

/**
 * Parses a PEP 508 requirement (`torch[cuda]>=2.1,<3; python_version>"3.9"`, `pkg @ https://…`). Returns null
 * for text that is not a requirement.
 */
export function parseRequirement(text: string): Requirement | null {
  const m = NAME.exec(text);
  if (!m) return null;
  const name = m[1] as string;
  let pos = m[0].length;
  const extras: string[] = [];
  const extrasMatch = /^\s*\[([^\]]*)\]/.exec(text.slice(pos));
  if (extrasMatch) {
    for (const e of (extrasMatch[1] as string).split(',')) if (e.trim()) extras.push(e.trim());
    pos += extrasMatch[0].length;
  }
  const specStart = pos;
  const semi = text.indexOf(';', pos);
  const body = semi === -1 ? text.slice(pos) : text.slice(pos, semi);
  const marker = semi === -1 ? null : text.slice(semi + 1).trim() || null;
  const trimmedBody = body.trimEnd();
  const specEnd = pos + trimmedBody.length;
  const spec = trimmedBody.trim();
  if (spec.startsWith('@')) {
    return { name, normalized: normalizeName(name), extras, specifier: '', clauses: [], url: spec.slice(1).trim(), marker, specStart, specEnd };
  }
  const inner = spec.startsWith('(') && spec.endsWith(')') ? spec.slice(1, -1) : spec;
  const clauses: VersionClause[] = [];
  if (inner.trim() !== '') {
    for (const part of inner.split(',')) {
      const c = CLAUSE.exec(part);
      if (!c) return null;
      clauses.push({ op: c[1] as string, version: c[2] as string });
    }
  }
  return {
    name,
    normalized: normalizeName(name),
    extras,
    specifier: clauses.map((c) => `${c.op}${c.version}`).join(','),
    clauses,
    url: null,
    marker,
    specStart,
    specEnd,
  };
}

/** The exact version a set of clauses pins (`==2.1.2`, `===2.1.2`), or null (`==2.*` pins nothing exactly). */
export function exactVersionOf(clauses: readonly VersionClause[]): string | null {
  for (const c of clauses) {
    if ((c.op === '==' || c.op === '===') && !c.version.includes('*')) return c.version;
  }
  return null;
}

/** The lowest version a set of clauses allows, when it has a lower bound (`>=`, `~=`, `==`, `>`), else null. */
export function minVersionOf(clauses: readonly VersionClause[]): string | null {
  let min: string | null = null;
  for (const c of clauses) {
    if (c.op === '>=' || c.op === '~=' || c.op === '>' || c.op === '===' || c.op === '==') {
      const v = c.version.replace(/\.\*$/, '');
      if (!/^\d/.test(v)) continue;
      if (min === null || compareVersions(v, min) > 0) min = v;
    }
  }
  return min;
}

/** Compares dotted versions numerically (`2.10` > `2.9`); non-numeric parts count as 0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split('.').map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Whether a direct reference is immutable: a wheel or sdist file, or a VCS URL at a full commit sha. */
export function isImmutableUrl(url: string): boolean {
  if (/@[0-9a-f]{40}(?:[#&]|$)/i.test(url)) return true;
  if (/[#&]sha256=[0-9a-f]{64}/i.test(url)) return true;
  return /\.(whl|tar\.gz|zip|tar\.bz2)(?:[#?]|$)/i.test(url) && /-\d/.test(url.split('/').pop() ?? '');
}

/** One requirement line of a requirements file. Offsets are into the file's text; lines and columns 1-based. */
export interface RequirementLine {
  requirement: Requirement;
  /** `--hash=` options on the line. */
  hashed: boolean;
  /** A requirement given as a URL or path (`git+https://…#egg=x`, `./pkg`), with the name from `#egg=` if any. */
  direct: boolean;
  /** `-e`/`--editable`. */
  editable: boolean;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  start: number;
  end: number;
  /** Offsets of the specifier in the file text (for pin suggestions). */
  specStart: number;
  specEnd: number;
}

/** A `-r`/`-c` reference to another requirements file. */
export interface RequirementInclude {
  kind: 'requirement' | 'constraint';
  /** As written, relative to the including file's folder. */
  path: string;
  line: number;
}

export interface RequirementsFile {
  requirements: RequirementLine[];
  includes: RequirementInclude[];
  /** Whether every requirement carries `--hash` (pip-compile `--generate-hashes`, `uv pip compile`, `pip-tools`). */
  fullyHashed: boolean;
  /**
   * The files a pip-compile / `uv pip compile` / `uv export` header says this file was compiled from
   * (`requirements.in`, `pyproject.toml`), relative to the file's folder; null when the file has no such header.
   */
  compiledFrom: string[] | null;
}

/** Parses a pip requirements file. Never throws; lines it cannot read are skipped. */
export function parseRequirementsFile(text: string): RequirementsFile {
  const requirements: RequirementLine[] = [];
  const includes: RequirementInclude[] = [];
  const index = new LineIndex(text);
  const lineStarts = index.lineStarts;
  const locate = (offset: number): { line: number; column: number } => {
    const { line, column } = index.positionAt(offset);
    return { line: line + 1, column: column + 1 };
  };

  // Logical lines: a trailing backslash continues the line. The joint becomes blanks so offsets stay true.
  const lineEnd = (k: number): number => (k + 1 < lineStarts.length ? (lineStarts[k + 1] as number) - 1 : text.length);
  let i = 0;
  while (i < lineStarts.length) {
    const start = lineStarts[i] as number;
    let j = i;
    while (j + 1 < lineStarts.length && /\\\r?$/.test(text.slice(lineStarts[j] as number, lineEnd(j)))) j++;
    const logical = text.slice(start, lineEnd(j)).replace(/\\\r?\n/g, (m) => ' '.repeat(m.length));
    i = j + 1;
    readLogicalLine(logical, start, requirements, includes, locate);
  }

  const header = text.slice(0, 4000);
  let compiledFrom: string[] | null = null;
  if (/autogenerated by pip-compile|uv pip compile|uv export|pip-compile/i.test(header)) {
    compiledFrom = [];
    const command = /^#\s+((?:pip-compile|uv pip compile|uv export)\b.*)$/m.exec(header);
    if (command) {
      const words = (command[1] as string).split(/\s+/);
      for (let k = 0; k < words.length; k++) {
        const w = words[k] as string;
        if (w.startsWith('-')) {
          // Options with a separate value: skip the value.
          if (/^(-o|--output-file|-c|--constraint|--extra|--python-version|--index-url|-i|--extra-index-url|-p|--python)$/.test(w)) k++;
          continue;
        }
        if (/\.(in|txt|toml|cfg|py)$/.test(w)) compiledFrom.push(w);
      }
    }
  }
  return {
    requirements,
    includes,
    fullyHashed: requirements.length > 0 && requirements.every((r) => r.hashed || r.editable),
    compiledFrom,
  };
}

function readLogicalLine(
  logical: string,
  start: number,
  requirements: RequirementLine[],
  includes: RequirementInclude[],
  locate: (offset: number) => { line: number; column: number },
): void {
  // A comment starts at `#` at the line start or after whitespace (pip's rule; `#egg=` in URLs survives).
  const commentAt = logical.search(/(^|\s)#/);
  const content = commentAt === -1 ? logical : logical.slice(0, commentAt);
  const leading = content.length - content.trimStart().length;
  const body = content.trim();
  if (body === '') return;
  const line = locate(start).line;
  const include = /^(-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+)(\S+)/.exec(body);
  if (include) {
    includes.push({ kind: include[1] === '-c' || include[1] === '--constraint' ? 'constraint' : 'requirement', path: include[2] as string, line });
    return;
  }
  let editable = false;
  let rest = body;
  const editableMatch = /^(-e|--editable)(?:\s*=\s*|\s+)/.exec(rest);
  if (editableMatch) {
    editable = true;
    rest = rest.slice(editableMatch[0].length);
  } else if (rest.startsWith('-')) {
    return; // an option line (`-i URL`, `--no-binary :all:`), not a requirement
  }
  const restOffset = start + leading + (body.length - rest.length);
  // Per-requirement options (`--hash=…`, `--config-settings …`) follow the requirement.
  const optionAt = rest.search(/\s--?[a-z]/);
  const reqText = optionAt === -1 ? rest : rest.slice(0, optionAt);
  const hashed = /(^|\s)--hash[=\s]/.test(rest);
  const trimmedReq = reqText.trimEnd();
  const absStart = restOffset;
  const absEnd = restOffset + trimmedReq.length;

  let requirement: Requirement | null = null;
  let direct = false;
  if (/^(\.{0,2}\/|~|[a-z][a-z0-9+.-]*:\/\/|git\+|hg\+|svn\+|bzr\+|file:)/i.test(trimmedReq) || /\.(whl|tar\.gz|zip)$/i.test(trimmedReq)) {
    direct = true;
    const egg = /[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(trimmedReq);
    if (!egg) return;
    const name = egg[1] as string;
    requirement = {
      name,
      normalized: normalizeName(name),
      extras: [],
      specifier: '',
      clauses: [],
      url: trimmedReq,
      marker: null,
      specStart: 0,
      specEnd: trimmedReq.length,
    };
  } else {
    requirement = parseRequirement(trimmedReq);
    if (!requirement) return;
  }
  if (editable && !direct) direct = true;
  const a = locate(absStart);
  const b = locate(absEnd);
  requirements.push({
    requirement,
    hashed,
    direct,
    editable,
    line: a.line,
    column: a.column,
    endLine: b.line,
    endColumn: b.column,
    start: absStart,
    end: absEnd,
    specStart: absStart + (direct ? 0 : requirement.specStart),
    specEnd: absStart + (direct ? trimmedReq.length : requirement.specEnd),
  });
}
