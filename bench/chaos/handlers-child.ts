/**
 * The chaos run's handlers process: `local/handlers-process.ts` with DynamoDB faults added to its
 * client. Forked (and SIGKILLed at random) by `child-supervisor.ts`, whose environment (that of
 * bench/env.ts, logs at WARN) it inherits.
 */
import { runHandlersProcess } from '../../local/handlers-process';
import { seededRandom } from '../../local/samples';
import { CHAOS_CHILD_ENV, type FaultMessage } from './child-protocol';
import { type DynamoFaultShares, injectDynamoFaults } from './dynamo-faults';

const shares = JSON.parse(process.env[CHAOS_CHILD_ENV.shares] ?? '{}') as DynamoFaultShares;
const random = seededRandom(Number(process.env[CHAOS_CHILD_ENV.seed] ?? 1));

runHandlersProcess((aws) =>
  injectDynamoFaults(aws.dynamo, shares, random, (kind) => {
    const message: FaultMessage = { type: 'fault', kind };
    process.send?.(message);
  }),
);
