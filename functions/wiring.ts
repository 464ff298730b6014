import { loadTeam, teamFilePath } from './adapters/team-file';
import { loadTemplates } from './adapters/template-files';
import { type AwsClients, createAwsClients } from './aws-clients';
import type { Env, NotifyConfig, TriageConfig } from './config/functions';
import { notifyDeps, triageDeps } from './deps';
import type { IncidentClock } from './services/incident-writes';
import type { NotifyDeps } from './services/notify';
import type { TriageDeps } from './services/triage';

// The local stack's and the tests' wiring: the same as the Lambda handlers', but for the templates,
// read and checked from their `*.md` files at start instead of precompiled when a bundle is built.

/** The team file as HEADSUP_ONCALL names it (or oncall.yaml beside the templates), checked at start. */
function teamFrom(env: Env) {
  return () => {
    const { path, required } = teamFilePath(env);
    return loadTeam(path, { required });
  };
}

/**
 * Builds the triage function's collaborators, the templates read from their files; the incident flow
 * on `clock` when the local stack runs it faster.
 */
export function createTriageDeps(
  config: TriageConfig,
  aws: AwsClients = createAwsClients(),
  options: { clock?: IncidentClock; env?: Env } = {},
): TriageDeps {
  const { clock, env = process.env } = options;
  const deps = triageDeps(config, { templates: loadTemplates, team: teamFrom(env) }, aws);
  return clock ? { ...deps, clock: clock.clock, timers: clock.timers(deps.timers) } : deps;
}

/** Builds the notify function's collaborators, the templates and the team read from their files. */
export function createNotifyDeps(
  config: NotifyConfig,
  aws: AwsClients = createAwsClients(),
  options: { env?: Env } = {},
): NotifyDeps {
  return notifyDeps(config, { templates: loadTemplates, team: teamFrom(options.env ?? process.env) }, aws);
}
