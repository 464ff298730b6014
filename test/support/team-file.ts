import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Writes a team file (`oncall.yaml`) of these lines into `dir` (default: a fresh temporary folder) and
 * answers its path, for HEADSUP_ONCALL.
 */
export function writeTeamFile(lines: string[], dir = mkdtempSync(join(tmpdir(), 'oncall-'))): string {
  const file = join(dir, 'oncall.yaml');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}
