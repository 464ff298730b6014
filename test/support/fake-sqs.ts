import type { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';

/** One SendMessageBatch the fake was given: the bodies, and the options passed to `send`. */
export type FakeSqsCall = { bodies: string[]; abortSignal?: AbortSignal };

/**
 * The SQSClient a host may hand the reporter, reduced to `send`: for what no real endpoint does on
 * demand (a call that hangs forever whatever the signal says, or fails whole with AccessDenied). Each
 * call is answered by `answer`; by default SQS takes every entry.
 */
export function fakeSqs(
  answer: (
    call: FakeSqsCall,
  ) => Promise<{ Failed?: { Id: string; SenderFault: boolean; Code: string }[] }> = async () => ({
    Failed: [],
  }),
) {
  const calls: FakeSqsCall[] = [];
  const client = {
    send(command: SendMessageBatchCommand, options?: { abortSignal?: AbortSignal }) {
      const call = {
        bodies: (command.input.Entries ?? []).map((e) => e.MessageBody ?? ''),
        abortSignal: options?.abortSignal,
      };
      calls.push(call);
      return answer(call);
    },
  };
  return {
    sqs: client as unknown as SQSClient,
    calls,
    /** Every body sent, parsed, in the order sent. */
    events: () => calls.flatMap((c) => c.bodies.map((b) => JSON.parse(b) as Record<string, unknown>)),
  };
}

/** A queue URL of the right shape; the fake never reads it. */
export const FAKE_QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/000000000000/errors';
