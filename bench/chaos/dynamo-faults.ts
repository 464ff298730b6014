import {
  type DynamoDBClient,
  InternalServerError,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';

/** Shares (probabilities per request) of the DynamoDB failures a chaos run injects. */
export type DynamoFaultShares = {
  /** Throttled before it is carried out; the SDK's own retries (3 attempts) usually absorb it. */
  throttle: number;
  /** A server error before it is carried out that the SDK does not retry: the record fails. */
  serverError: number;
  /** Carried out, then the answer is lost (an error the SDK does not retry): the record fails. */
  lostAnswer: number;
};

export type DynamoFaultKind = keyof DynamoFaultShares;

/**
 * Adds the faults to a DynamoDB client as SDK middleware; nothing else of the client changes. The
 * throttle sits inside the SDK's retry loop (deserialize step), as DynamoDB's own throttling would;
 * the other two outside it (initialize step), so they reach our code whatever the SDK thinks of them.
 */
export function injectDynamoFaults(
  client: DynamoDBClient,
  shares: DynamoFaultShares,
  random: () => number,
  onFault: (kind: DynamoFaultKind) => void,
): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      if (random() < shares.throttle) {
        onFault('throttle');
        throw new ProvisionedThroughputExceededException({
          message: 'chaos: throughput exceeded',
          $metadata: { httpStatusCode: 400 },
        });
      }
      return next(args);
    },
    { step: 'deserialize', name: 'chaosThrottle', priority: 'high' },
  );
  client.middlewareStack.add(
    (next) => async (args) => {
      const draw = random();
      if (draw < shares.serverError) {
        onFault('serverError');
        throw serverError('chaos: internal server error, nothing was written');
      }
      const result = await next(args);
      if (draw < shares.serverError + shares.lostAnswer) {
        onFault('lostAnswer');
        throw serverError('chaos: the request was carried out, its answer was lost');
      }
      return result;
    },
    { step: 'initialize', name: 'chaosServerErrors', priority: 'high' },
  );
}

function serverError(message: string): InternalServerError {
  return new InternalServerError({ message, $metadata: { httpStatusCode: 500 } });
}
