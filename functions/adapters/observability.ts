import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * Structured JSON logs and CloudWatch EMF metrics (Powertools). POWERTOOLS_SERVICE_NAME names the
 * function on AWS; locally everything logs as "headsup". Tokens never reach a log line: adapters
 * log descriptions of failures, not requests.
 */
export const logger = new Logger({ serviceName: 'headsup' });
export const metrics = new Metrics({ namespace: 'HeadsUp', serviceName: 'headsup' });
