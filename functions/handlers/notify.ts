import { loadNotifyConfig } from '../adapters/config';
import { type NotifyDeps, notifyMessage } from '../services/notify';
import { createNotifyDeps } from '../wiring';
import { coldStart, createSqsBatchHandler } from './lambda-support';

/** The notify Lambda: one fix message per job from the notify queue. */
export const createNotifyHandler = (getDeps: () => Promise<NotifyDeps>) =>
  createSqsBatchHandler(getDeps, (record, deps) => notifyMessage(record.body, deps));

export const handler = createNotifyHandler(coldStart((env) => createNotifyDeps(loadNotifyConfig(env))));
