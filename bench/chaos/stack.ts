/**
 * The long-lived half of the local pipeline for a chaos run — what on AWS does not die with a Lambda
 * container: DynamoDB Local, the SQS emulator, the Slack and Intercom stand-ins and the web app
 * (ingest). The handlers run elsewhere (`child-supervisor.ts`); `handlersEnv` is what they need.
 * The same pipeline as `local/stack.ts` runs (`local/pipeline.ts`), with the handlers left out.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import * as settings from '../../functions/config/settings';
import type { QueueInspector } from '../../local/emulators';
import type { IntercomFake } from '../../local/fakes/intercom-api';
import type { SlackFake } from '../../local/fakes/slack-api';
import { HANDLERS_ENV } from '../../local/handlers-process';
import { LOCAL_NAMES, startLocalPipeline } from '../../local/pipeline';
import type { QueueUrls } from '../../local/resources';
import { withoutStackVariables } from '../../local/stack-env';
import { thresholdTeamFile } from '../threshold-team';

export const QUEUE_NAMES = { errors: LOCAL_NAMES.errors, notify: LOCAL_NAMES.notify } as const;
const CHAOS_CHANNEL = 'C0CHAOS0001';

export type ChaosStack = {
  url: string;
  ingestKey: string;
  slack: SlackFake;
  intercom: IntercomFake;
  dynamo: DynamoDBClient;
  sqs: SQSClient;
  tableName: string;
  channel: string;
  errors: QueueUrls;
  notify: QueueUrls;
  /** Non-destructive look at every message of a queue (the emulator's own view). */
  inspectQueue: QueueInspector;
  /** The environment of the handlers process: the functions' variables and the emulators' endpoints. */
  handlersEnv: Record<string, string | undefined>;
  stop: () => Promise<void>;
};

export async function startChaosStack(options: { visibilitySeconds: number }): Promise<ChaosStack> {
  const pipeline = await startLocalPipeline({
    visibilityTimeoutSeconds: {
      errors: options.visibilitySeconds,
      notify: options.visibilitySeconds,
    },
    // A developer's own Slack, Intercom or AWS settings must not leak into the run.
    // The threshold team: every batch appends its users to their groups and prunes them, under faults.
    env: {
      ...withoutStackVariables(process.env),
      [settings.slackChannel.env]: CHAOS_CHANNEL,
      [settings.teamFile.env]: thresholdTeamFile(),
    },
  });
  try {
    const { address } = await pipeline.listen(pipeline.webApp.fetch, 0, '127.0.0.1');
    const url = `http://127.0.0.1:${address.port}`;
    const { emulators } = pipeline;
    return {
      url,
      ingestKey: pipeline.webDeps.ingest.keys[0]!,
      slack: pipeline.slackFake!,
      intercom: pipeline.intercomFake!,
      ...emulators.aws,
      tableName: pipeline.tableName,
      channel: CHAOS_CHANNEL,
      errors: pipeline.errors,
      notify: pipeline.notify,
      inspectQueue: emulators.inspectQueue,
      handlersEnv: {
        ...pipeline.env,
        [settings.publicUrl.env]: url,
        [HANDLERS_ENV.dynamoEndpoint]: emulators.dynamoEndpoint,
        [HANDLERS_ENV.sqsEndpoint]: emulators.sqsEndpoint,
      },
      stop: pipeline.stop,
    };
  } catch (err) {
    await pipeline.stop();
    throw err;
  }
}
