import { loadNotifyConfig } from '../config/functions';
import { type NotifyDeps, notifyBatch } from '../services/notify';
import { createNotifyDeps } from '../wiring';
import { createSqsWholeBatchHandler, depsFollowingSecrets } from './lambda-support';

/** The notify Lambda: fix jobs from the notify queue, decided, claimed and recorded a batch at once. */
export const createNotifyHandler = (getDeps: () => Promise<NotifyDeps>) =>
  createSqsWholeBatchHandler(getDeps, async (records, deps) => {
    const { failedIds } = await notifyBatch(
      records.map((record) => ({ id: record.messageId, body: record.body })),
      deps,
    );
    return failedIds;
  });

export const handler = createNotifyHandler(
  depsFollowingSecrets((env) => createNotifyDeps(loadNotifyConfig(env))),
);
