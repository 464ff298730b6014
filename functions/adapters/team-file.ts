import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError } from '../config/error';
import { teamFile, templatesDir } from '../config/settings';
import { type CheckedTeam, checkTeamFile, type TeamProblem } from '../core/oncall/team-file';
import { type Team, teamToJson } from '../core/oncall/team-schema';
import { formatProblem } from './template-files';

export { COMPILED_TEAM_FILE } from './compiled-team';

/** The team file's name beside the templates folder. */
export const TEAM_FILE_NAME = 'oncall.yaml';

/**
 * Which team file to read and whether it must exist: HEADSUP_ONCALL when set (required), else
 * `oncall.yaml` beside the templates folder (optional: without it on-call is off). A bad setting throws.
 */
export function teamFilePath(env: NodeJS.ProcessEnv = process.env): { path: string; required: boolean } {
  const path = teamFile.parse(env[teamFile.env], (p) => ConfigError.forVariable(teamFile.env, p));
  if (path !== undefined) return { path, required: true };
  const templates = templatesDir.parse(env[templatesDir.env], (p) =>
    ConfigError.forVariable(templatesDir.env, p),
  );
  return { path: join(dirname(templates), TEAM_FILE_NAME), required: false };
}

/** Reads and checks a team file; a file that cannot be read is a problem (line 0), never a throw. */
export function readTeamFile(path: string): CheckedTeam & { missing?: boolean } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const { code, message } = err as NodeJS.ErrnoException;
    const reason = code === 'ENOENT' ? 'no such file' : (message.split('\n')[0] ?? 'unreadable');
    return {
      ok: false,
      missing: code === 'ENOENT',
      problems: [{ file: path, line: 0, message: `cannot read the team file: ${reason}` }],
    };
  }
  // Named as given: the path the person typed or set is the one they recognise.
  return checkTeamFile(path, text);
}

/** One line naming HEADSUP_ONCALL and the first problem, as a function stops at start. */
function problemsError(problems: TeamProblem[]): ConfigError {
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more: run headsup oncall check)` : '';
  return ConfigError.forVariable(teamFile.env, `${formatProblem(problems[0]!)}${more}`);
}

/**
 * For start-up: the team, or undefined when the file is optional and absent (on-call off). A file that
 * is there but broken stops the function, required or not: a typo must not silently turn on-call off.
 */
export function loadTeam(path: string, { required }: { required: boolean }): Team | undefined {
  const result = readTeamFile(path);
  if (result.ok) return result.team;
  if (result.missing && !required) return undefined;
  throw problemsError(result.problems);
}

/**
 * The team checked and written as JSON text, for a bundle's COMPILED_TEAM_FILE (undefined: no team).
 * A broken file throws as it would stop the function, so it fails the build instead.
 */
export function precompileTeam(path: string, options: { required: boolean }): string | undefined {
  const team = loadTeam(path, options);
  return team && `${JSON.stringify(teamToJson(team), null, 2)}\n`;
}
