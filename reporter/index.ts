/**
 * Heads-up's reporter for Node.js product backends: `import { createReporter } from 'headsup/reporter'`.
 * It batches errors, retries with backoff, never throws into the host app and keeps a bounded buffer.
 */
export type { EventInput } from '../common/event';
export { captureUnhandled, expressErrorHandler, type MiddlewareOptions, requestInfo } from './integrations';
export {
  backoffMs,
  createReporter,
  type ReportExtra,
  type Reporter,
  type ReporterOptions,
  type ReporterStats,
} from './reporter';
export { serializeError } from './serialize';
