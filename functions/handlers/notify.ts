import { loadCompiledTeam } from '../adapters/compiled-team';
import { loadCompiledTemplates } from '../adapters/compiled-templates';
import { INTERCOM_TIMEOUT_SECONDS } from '../adapters/intercom';
import { NOTIFY_STORE_RETRY } from '../adapters/notify-store';
import { loadNotifyConfig } from '../config/functions';
import { notifyDeps } from '../deps';
import { type NotifyDeps, notifyBatch } from '../services/notify';
import { createSqsWholeBatchHandler, depsFollowingSecrets } from './lambda-support';

/**
 * What one round may take at worst, where a cut does harm (claims → Intercom → outcomes): a job's
 * Intercom calls run one after another — the lookup by external id, by email, the send — each cut at
 * the client's timeout (a round's jobs run side by side); the round's four DynamoDB requests take
 * well under a second, and one of them may wait out the store's retry budget. A cut while telling
 * Slack afterwards harms nothing: the outcomes are recorded and the retry tells the thread. 18 s: the
 * 30 s notify timeout (lib/definitions) always holds the first round.
 */
export const ROUND_RESERVE_MS = 3 * INTERCOM_TIMEOUT_SECONDS * 1000 + NOTIFY_STORE_RETRY.budgetMs + 1000;

/** The notify Lambda: fix jobs from the notify queue, decided, claimed and recorded a batch at once. */
export const createNotifyHandler = (getDeps: () => Promise<NotifyDeps>) =>
  createSqsWholeBatchHandler(getDeps, async (records, deps, context) => {
    const { failedIds } = await notifyBatch(
      records.map((record) => ({ id: record.messageId, body: record.body })),
      deps,
      context && { timeLeftMs: () => context.getRemainingTimeInMillis(), roundReserveMs: ROUND_RESERVE_MS },
    );
    return failedIds;
  });

export const handler = createNotifyHandler(
  // The templates and the team as precompiled into the bundle: it carries no template compiler or YAML.
  depsFollowingSecrets((env) =>
    notifyDeps(loadNotifyConfig(env), { templates: loadCompiledTemplates, team: loadCompiledTeam }),
  ),
);
