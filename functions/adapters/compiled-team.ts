import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../config/error';
import { teamFile } from '../config/settings';
import type { Team } from '../core/oncall/team-schema';
import { teamFromJson } from '../core/oncall/team-schema';

/**
 * In a bundle: the checked team as JSON, beside the precompiled templates. Declared here, not in
 * ./team-file: that module loads the YAML parser, which a bundle must not carry.
 */
export const COMPILED_TEAM_FILE = 'oncall.json';

/**
 * The team of a bundled function (triage, notify): checked and written as JSON beside the precompiled
 * templates when the bundle was built (lib/headsup.ts), so a cold start loads no YAML parser. No file:
 * the deploy had no team file, and on-call is off.
 */
export function loadCompiledTeam(templatesDir: string): Team | undefined {
  let text: string;
  try {
    text = readFileSync(join(templatesDir, COMPILED_TEAM_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw ConfigError.forVariable(
      teamFile.env,
      `cannot read ${COMPILED_TEAM_FILE}: ${(err as Error).message}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw ConfigError.forVariable(
      teamFile.env,
      `${COMPILED_TEAM_FILE} is not JSON: ${(err as Error).message}`,
    );
  }
  const result = teamFromJson(json);
  if (!result.ok) throw ConfigError.forVariable(teamFile.env, `${COMPILED_TEAM_FILE}: ${result.problems[0]}`);
  return result.team;
}
