/**
 * The cost inputs of a run, measured on the local stack: meters on its DynamoDB and SQS clients, on
 * the handlers' invocations and on the functions' log output, read over the measured window; the
 * item sizes in the table after it; and the cost model applied to them.
 */

import type { FunctionName, InvocationHook } from '../local/handlers';
import type { LocalStack } from '../local/stack';
import { type Cost, type CostInputs, costPerMillionEvents } from './cost';
import {
  type DynamoFigures,
  EVENT_SOURCE_ACTIONS,
  meterDynamo,
  meterSqs,
  type SqsFigures,
} from './measure-aws';
import { type ItemSizes, itemSizes } from './measure-items';
import { type LambdaFigures, meterLambda } from './measure-lambda';
import { type LogFigures, meterLogs } from './measure-logs';

/** The secrets each function reads (lib/headsup.ts: the ARNs in its environment). */
const SECRETS_READ: Record<FunctionName, number> = { triage: 1, notify: 1, http: 2 };

export type Measured = {
  dynamo: DynamoFigures;
  sqs: SqsFigures;
  lambda: LambdaFigures;
  logs: LogFigures;
  windowMs: number;
};

export type Meters = {
  /** For `startLocalStack({ onInvocation })`: the handlers' durations. */
  hook: InvocationHook;
  /** Puts the meters on the stack's clients (once it runs). */
  attach: (stack: LocalStack) => void;
  /** Starts the measured window: everything counted so far is forgotten. */
  reset: () => void;
  read: () => Measured;
  /** Gives stdout and stderr back. */
  stop: () => void;
};

export function createMeters(): Meters {
  const lambda = meterLambda();
  const logs = meterLogs();
  let dynamo: ReturnType<typeof meterDynamo> | undefined;
  let sqs: ReturnType<typeof meterSqs> | undefined;
  let started = Date.now();
  return {
    hook: lambda.hook,
    attach: (stack) => {
      dynamo = meterDynamo(stack.aws.dynamo);
      sqs = meterSqs(stack.aws.sqs);
    },
    reset: () => {
      for (const m of [lambda, logs, dynamo, sqs]) m?.reset();
      started = Date.now();
    },
    read: () => {
      if (!dynamo || !sqs) throw new Error('meters not attached to the stack');
      return {
        dynamo: dynamo.read(),
        sqs: sqs.read(),
        lambda: lambda.read(),
        logs: logs.read(),
        windowMs: Date.now() - started,
      };
    },
    stop: logs.stop,
  };
}

const perEvent = (n: number, events: number, digits = 2) =>
  Math.round((n / events) * 10 ** digits) / 10 ** digits;
const perEventMap = (m: Record<string, number>, events: number, digits = 3) =>
  Object.fromEntries(
    Object.entries(m)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => [k, perEvent(v, events, digits)]),
  );

export type CostFigures = ReturnType<typeof costFigures>;

/**
 * What the run cost per event, and per million events on AWS. `eventsPerSecond` is the rate the
 * million events are assumed to arrive at (the Secrets Manager reads depend on time, not events).
 */
export function costFigures(m: Measured, sizes: ItemSizes, events: number, eventsPerSecond: number) {
  const writeUnits =
    m.dynamo.writeUnits.table + m.dynamo.writeUnits.indexes + m.dynamo.refusedWriteUnitsEstimate;
  const readUnits = m.dynamo.readUnits.table + m.dynamo.readUnits.indexes;
  const billedSqs = Object.values(m.sqs.billedByAction).reduce((a, b) => a + b, 0);
  const inputs: CostInputs = {
    events,
    dynamo: { writeUnits, readUnits },
    sqs: { billedRequests: billedSqs },
    lambda: m.lambda,
    secrets: {
      eventsPerSecond,
      // Warm containers: as many as ran at once (Lambda keeps them for minutes after a peak).
      functions: Object.fromEntries(
        (Object.keys(SECRETS_READ) as FunctionName[]).map((n) => [
          n,
          { secrets: SECRETS_READ[n], containers: Math.max(1, m.lambda[n].peakConcurrency) },
        ]),
      ),
    },
    logs: { bytes: m.logs.bytes },
  };
  const cost: Cost = costPerMillionEvents(inputs);
  return {
    inputs,
    cost,
    perEvent: {
      dynamoRequests: perEvent(m.dynamo.requests, events),
      dynamoRequestsByOperation: perEventMap(m.dynamo.byOperation, events),
      dynamoRefusedByOperation: perEventMap(m.dynamo.failures, events),
      capacityReportedByDynamo: m.dynamo.capacityReported,
      writeUnits: {
        table: perEvent(m.dynamo.writeUnits.table, events),
        indexes: perEvent(m.dynamo.writeUnits.indexes, events),
        refusedEstimate: perEvent(m.dynamo.refusedWriteUnitsEstimate, events),
        total: perEvent(writeUnits, events),
      },
      transactionWriteUnits: {
        computed: perEvent(m.dynamo.transactions.computedWriteUnits, events),
        reportedByDynamoDbLocal: perEvent(m.dynamo.transactions.reportedWriteUnits, events),
        itemsPerTransaction: perEvent(
          m.dynamo.transactions.items,
          Math.max(1, m.dynamo.byOperation.TransactWriteItems ?? 0),
          1,
        ),
        itemsOfUnknownSize: m.dynamo.transactions.itemsOfUnknownSize,
      },
      readUnits: {
        table: perEvent(m.dynamo.readUnits.table, events),
        indexes: perEvent(m.dynamo.readUnits.indexes, events),
        total: perEvent(readUnits, events),
      },
      sqsRequestsByAction: perEventMap(m.sqs.byAction, events),
      sqsBilledRequests: perEvent(billedSqs, events, 3),
      sqsEventSourceMappingRequests: perEvent(
        Object.entries(m.sqs.billedByAction)
          .filter(([a]) => EVENT_SOURCE_ACTIONS.has(a))
          .reduce((sum, [, n]) => sum + n, 0),
        events,
        3,
      ),
      lambdaGbSeconds: perEvent(
        Object.values(m.lambda).reduce((sum, f) => sum + f.gbSeconds, 0),
        events,
        5,
      ),
      logBytes: perEvent(m.logs.bytes, events, 1),
      emfBytes: perEvent(m.logs.emfBytes, events, 1),
    },
    sqs: { receives: m.sqs.receives, messagesSent: m.sqs.messagesSent },
    lambda: m.lambda,
    logs: m.logs,
    itemSizes: sizes,
  };
}

export { itemSizes };
