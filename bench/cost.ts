/**
 * What a million events cost on AWS, from what the bench measured: a pure function of the measured
 * figures and a dated price table. Fixed monthly costs (each secret's $0.40, log storage, the idle
 * long-polls of the event source mappings) do not grow with events and are left out.
 */

/** us-east-1 on-demand list prices, as seen in 2025. */
export const PRICES = {
  seen: '2025',
  region: 'us-east-1',
  /** DynamoDB on-demand: per write request unit (1 KB written; 2 in a transaction) and read unit (4 KB). */
  dynamoWriteRequestUnit: 0.625 / 1e6,
  dynamoReadRequestUnit: 0.125 / 1e6,
  /** SQS standard queue: per request; each 64 KB chunk of a payload is one, a batch of 10 is one. */
  sqsRequest: 0.4 / 1e6,
  /** Lambda on arm64: per GB-second of duration and per invocation. */
  lambdaGbSecond: 0.0000133334,
  lambdaInvocation: 0.2 / 1e6,
  /** Secrets Manager: per API call (GetSecretValue). */
  secretsManagerCall: 0.05 / 10_000,
  /** CloudWatch Logs ingestion per GB (2^30 bytes), which is also how EMF metrics are billed. */
  logsIngestionGb: 0.5,
} as const;

export type Prices = typeof PRICES;

/**
 * Lambda's own lines per invocation (START, END and REPORT in the text log format), which CloudWatch
 * ingests too: about 260 bytes. An estimate; the bench does not see them.
 */
export const PLATFORM_LOG_BYTES_PER_INVOCATION = 260;

/** Powertools' secrets cache: each warm container reads each of its secrets once per 5 minutes. */
export const SECRET_CACHE_SECONDS = 300;

export type CostInputs = {
  /** Events the measured figures are for. */
  events: number;
  /** Capacity units consumed in all (table and index copies, refused writes included). */
  dynamo: { writeUnits: number; readUnits: number };
  /** SQS requests as billed (64 KB chunks, a batch as one). */
  sqs: { billedRequests: number };
  /** Per function: invocations, summed duration billed (ms) and memory. */
  lambda: Record<string, { invocations: number; billedMs: number; memoryMb: number }>;
  /**
   * Secrets Manager reads: with the cache, they depend on time, not events. At `eventsPerSecond` a
   * million events take 1e6 / eventsPerSecond seconds, and each warm container of each function reads
   * each of its secrets once per cache period begun.
   */
  secrets: { eventsPerSecond: number; functions: Record<string, { secrets: number; containers: number }> };
  /** Bytes the functions wrote to their logs (log lines and EMF metrics). */
  logs: { bytes: number };
};

export type Cost = {
  pricesSeen: string;
  region: string;
  /** Dollars per million events, by service and in total. */
  perMillionEvents: {
    dynamodb: number;
    sqs: number;
    lambda: number;
    secretsManager: number;
    cloudwatchLogs: number;
    total: number;
  };
  /** The quantities behind them, per million events. */
  perMillion: {
    writeUnits: number;
    readUnits: number;
    sqsRequests: number;
    lambdaGbSeconds: number;
    lambdaInvocations: number;
    secretsCalls: number;
    logGb: number;
  };
};

export function costPerMillionEvents(m: CostInputs, prices: Prices = PRICES): Cost {
  if (!(m.events > 0)) throw new Error('cost model: no events measured');
  const scale = 1e6 / m.events;
  const functions = Object.values(m.lambda);
  const gbSeconds = functions.reduce((sum, f) => sum + (f.billedMs / 1000) * (f.memoryMb / 1024), 0);
  const invocations = functions.reduce((sum, f) => sum + f.invocations, 0);
  const windowSeconds = 1e6 / m.secrets.eventsPerSecond;
  const periods = Math.ceil(windowSeconds / SECRET_CACHE_SECONDS);
  const secretsCalls = Object.values(m.secrets.functions).reduce(
    (sum, f) => sum + f.secrets * f.containers * periods,
    0,
  );
  const logBytes = m.logs.bytes + invocations * PLATFORM_LOG_BYTES_PER_INVOCATION;

  const perMillion = {
    writeUnits: m.dynamo.writeUnits * scale,
    readUnits: m.dynamo.readUnits * scale,
    sqsRequests: m.sqs.billedRequests * scale,
    lambdaGbSeconds: gbSeconds * scale,
    lambdaInvocations: invocations * scale,
    secretsCalls,
    logGb: (logBytes * scale) / 2 ** 30,
  };
  const dynamodb =
    perMillion.writeUnits * prices.dynamoWriteRequestUnit +
    perMillion.readUnits * prices.dynamoReadRequestUnit;
  const sqs = perMillion.sqsRequests * prices.sqsRequest;
  const lambda =
    perMillion.lambdaGbSeconds * prices.lambdaGbSecond +
    perMillion.lambdaInvocations * prices.lambdaInvocation;
  const secretsManager = secretsCalls * prices.secretsManagerCall;
  const cloudwatchLogs = perMillion.logGb * prices.logsIngestionGb;
  return {
    pricesSeen: prices.seen,
    region: prices.region,
    perMillionEvents: {
      dynamodb,
      sqs,
      lambda,
      secretsManager,
      cloudwatchLogs,
      total: dynamodb + sqs + lambda + secretsManager + cloudwatchLogs,
    },
    perMillion,
  };
}
