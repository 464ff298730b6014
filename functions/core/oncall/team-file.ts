import { LineCounter, parseDocument } from 'yaml';
import { issueProblems } from '../templates/parse';
import { type Team, teamSchema } from './team-schema';

export type TeamProblem = { file: string; line: number; message: string };

export type CheckedTeam = { ok: true; team: Team } | { ok: false; problems: TeamProblem[] };

/**
 * Checks the text of a team file (`oncall.yaml`): YAML syntax, then every rule of the schema, each
 * problem at the line of the node it is about, all at once and in line order.
 */
export function checkTeamFile(file: string, text: string): CheckedTeam {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const lineOf = (offset: number | undefined) => (offset === undefined ? 1 : lines.linePos(offset).line);
  const problems: TeamProblem[] = doc.errors.map((error) => ({
    file,
    line: lineOf(error.pos[0]),
    message: `YAML: ${error.message.split('\n')[0]}`,
  }));
  if (problems.length > 0) return { ok: false, problems };

  const result = teamSchema.safeParse(doc.toJS({ maxAliasCount: 100 }));
  if (result.success) return { ok: true, team: result.data };
  const found = issueProblems(doc, result.error.issues, '(team file)').map((p) => ({
    file,
    line: lineOf(p.offset),
    message: p.message,
  }));
  // Sorted by line only (a stable sort): problems of one line keep the schema's order.
  return { ok: false, problems: found.sort((a, b) => a.line - b.line) };
}
