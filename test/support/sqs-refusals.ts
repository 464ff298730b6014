import type { SendMessageBatchCommandInput, SQSClient } from '@aws-sdk/client-sqs';

/**
 * Makes SQS refuse chosen entries of each SendMessageBatch, as it does per entry: they are not queued
 * and come back in `Failed` (not the sender's fault). `onEntry` sees every entry sent. Returns the
 * number of SendMessageBatch calls so far.
 */
export function refuseSqsEntries(
  sqs: SQSClient,
  options: {
    refuse: (body: string, call: number) => boolean;
    onEntry?: (body: string) => void;
    name: string;
  },
): () => number {
  let call = 0;
  sqs.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'SendMessageBatchCommand') return next(args);
      call++;
      const input = args.input as SendMessageBatchCommandInput;
      const all = input.Entries ?? [];
      for (const e of all) options.onEntry?.(e.MessageBody!);
      const refused = all.filter((e) => options.refuse(e.MessageBody!, call));
      if (refused.length === 0) return next(args);
      input.Entries = all.filter((e) => !refused.includes(e));
      const result = input.Entries.length
        ? await next(args)
        : { output: { Successful: [], Failed: [], $metadata: {} }, response: {} };
      const output = result.output as { Failed?: unknown[] };
      output.Failed = [
        ...(output.Failed ?? []),
        ...refused.map((e) => ({ Id: e.Id, SenderFault: false, Code: 'InternalError' })),
      ];
      return result;
    },
    { step: 'initialize', name: options.name },
  );
  return () => call;
}
