import { loadTemplates } from './adapters/template-files';
import { type AwsClients, createAwsClients } from './aws-clients';
import type { NotifyConfig, TriageConfig } from './config/functions';
import { notifyDeps, triageDeps } from './deps';
import type { NotifyDeps } from './services/notify';
import type { TriageDeps } from './services/triage';

// The local stack's and the tests' wiring: the same as the Lambda handlers', but for the templates,
// read and checked from their `*.md` files at start instead of precompiled when a bundle is built.

/** Builds the triage function's collaborators, the templates read from their files. */
export function createTriageDeps(config: TriageConfig, aws: AwsClients = createAwsClients()): TriageDeps {
  return triageDeps(config, loadTemplates, aws);
}

/** Builds the notify function's collaborators, the templates read from their files. */
export function createNotifyDeps(config: NotifyConfig, aws: AwsClients = createAwsClients()): NotifyDeps {
  return notifyDeps(config, loadTemplates, aws);
}
