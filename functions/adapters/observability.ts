import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * Structured JSON logs and CloudWatch EMF metrics (Powertools). POWERTOOLS_SERVICE_NAME names the
 * function on AWS (a constructor option would override it); locally everything is "headsup". Tokens
 * never reach a log line: adapters log descriptions of failures, not requests.
 */
const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'headsup';
const namespace = process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'HeadsUp';
export const logger = new Logger({ serviceName });
// Marked pure so that a bundle that never publishes metrics (http) leaves Metrics out instead of
// building it at every cold start; its options are plain names, since esbuild keeps a call whose
// arguments read something (process.env).
export const metrics = /* @__PURE__ */ new Metrics({ namespace, serviceName });
