import { LineCounter, parseDocument } from 'yaml';
import { issueProblems } from '../templates/parse';
import { type Team, teamSchema } from './team-schema';

export type TeamProblem = { file: string; line: number; message: string };

export type CheckedTeam = { ok: true; team: Team } | { ok: false; problems: TeamProblem[] };

/** A team file is a page of YAML; anything this large is a mistake, refused before it is parsed. */
export const MAX_TEAM_FILE_BYTES = 256 * 1024;
/** Problems reported at most: past them, one line says how many more. */
const MAX_PROBLEMS = 50;
/** Aliases resolved at most: ordinary anchors are fine, an alias bomb is refused. */
const MAX_ALIASES = 1000;

/**
 * Checks the text of a team file (`oncall.yaml`): YAML syntax, then every rule of the schema, each
 * problem at the line of the node it is about, all at once and in line order (the first 50).
 */
export function checkTeamFile(file: string, text: string): CheckedTeam {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_TEAM_FILE_BYTES) {
    const kib = Math.ceil(bytes / 1024);
    return {
      ok: false,
      problems: [{ file, line: 1, message: `${kib} KiB: a team file is at most 256 KiB` }],
    };
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const lineOf = (offset: number | undefined) => (offset === undefined ? 1 : lines.linePos(offset).line);
  const problems: TeamProblem[] = doc.errors.map((error) => ({
    file,
    line: lineOf(error.pos[0]),
    message: `YAML: ${error.message.split('\n')[0]}`,
  }));
  if (problems.length > 0) return { ok: false, problems };

  let json: unknown;
  try {
    json = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (err) {
    // An alias bomb (the YAML library refuses it), or nesting deeper than the stack.
    return {
      ok: false,
      problems: [{ file, line: 1, message: `YAML: ${(err as Error).message.split('\n')[0]}` }],
    };
  }
  const result = teamSchema.safeParse(json);
  if (result.success) return { ok: true, team: result.data };
  const found = issueProblems(doc, result.error.issues, '(team file)').map((p) => ({
    file,
    line: lineOf(p.offset),
    message: p.message,
  }));
  // Sorted by line only (a stable sort): problems of one line keep the schema's order.
  const sorted = found.sort((a, b) => a.line - b.line);
  if (sorted.length <= MAX_PROBLEMS) return { ok: false, problems: sorted };
  const more = {
    file,
    line: sorted[MAX_PROBLEMS]!.line,
    message: `and ${sorted.length - MAX_PROBLEMS} more problems`,
  };
  return { ok: false, problems: [...sorted.slice(0, MAX_PROBLEMS), more] };
}
