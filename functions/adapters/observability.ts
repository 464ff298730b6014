import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * Structured JSON logs and CloudWatch EMF metrics (Powertools). POWERTOOLS_SERVICE_NAME names the
 * function on AWS (a constructor option would override it); locally everything is "headsup". Tokens
 * never reach a log line: adapters log descriptions of failures, not requests.
 */
const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'headsup';
export const logger = new Logger({ serviceName });
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'HeadsUp',
  serviceName,
});
