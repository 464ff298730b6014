import type { HandlersMessage } from '../../local/handlers-process';
import type { DynamoFaultKind } from './dynamo-faults';

/** What the parent tells the chaos handlers process besides the functions' own variables. */
export const CHAOS_CHILD_ENV = { shares: 'CHAOS_DYNAMO_FAULTS', seed: 'CHAOS_SEED' } as const;

/** One injected DynamoDB fault, reported as it happens (so a kill loses at most the last few). */
export type FaultMessage = { type: 'fault'; kind: DynamoFaultKind };

export type ChildMessage = HandlersMessage | FaultMessage;
