import { loadNotifyConfig } from '../config/functions';
import { type NotifyDeps, notifyMessage } from '../services/notify';
import { createNotifyDeps } from '../wiring';
import { createSqsBatchHandler, depsFollowingSecrets } from './lambda-support';

/** The notify Lambda: one fix message per job from the notify queue. */
export const createNotifyHandler = (getDeps: () => Promise<NotifyDeps>) =>
  createSqsBatchHandler(getDeps, (record, deps) => notifyMessage(record.body, deps));

export const handler = createNotifyHandler(
  depsFollowingSecrets((env) => createNotifyDeps(loadNotifyConfig(env))),
);
