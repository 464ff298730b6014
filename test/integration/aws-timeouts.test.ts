import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { AWS_HTTP_LIMITS } from '../../common/aws-http-limits';
import { withSecrets } from '../../functions/adapters/secrets';
import { createAwsClients } from '../../functions/aws-clients';
import { FUNCTIONS } from '../../lib/definitions';
import { localDynamoClient, localSqsClient } from '../../local/local-aws';

/** What a call that gave up reports: the SDK's error name and how many attempts it made. */
type SdkFailure = { name?: string; $metadata?: { attempts?: number }; cause?: SdkFailure };

async function failure(call: Promise<unknown>): Promise<SdkFailure> {
  const outcome = await call.then(
    () => new Error('the call succeeded against a server that never answers'),
    (err: unknown) => err as SdkFailure,
  );
  if (outcome instanceof Error && outcome.message.startsWith('the call succeeded')) throw outcome;
  return outcome as SdkFailure;
}

/**
 * A server that accepts connections and never answers: what a hung AWS endpoint looks like to the SDK.
 * Each call must end in a TimeoutError after the SDK's attempts, never hang until the Lambda timeout.
 */
describe('AWS SDK calls against an endpoint that never answers', () => {
  let server: Server;
  let endpoint: string;
  const sockets = new Set<Socket>();
  let accepted = 0;
  const saved = { ...process.env };

  beforeAll(async () => {
    server = createServer((socket) => {
      accepted += 1;
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.resume(); // read the request, answer nothing
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoint;
    process.env.AWS_ENDPOINT_URL_SQS = endpoint;
    process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = endpoint;
  });
  afterAll(async () => {
    process.env = saved;
    for (const socket of sockets) socket.destroy();
    await new Promise((r) => server.close(r));
  });

  it('a DynamoDB call from the functions’ client fails with TimeoutError after its attempts', async () => {
    const { dynamo } = createAwsClients();
    const before = accepted;
    const err = await failure(dynamo.send(new ListTablesCommand({})));
    expect(err.name).toBe('TimeoutError');
    expect(err.$metadata?.attempts).toBe(AWS_HTTP_LIMITS.maxAttempts);
    // Each attempt connected and was then cut off by the request timeout (not refused, not reused).
    expect(accepted - before).toBe(AWS_HTTP_LIMITS.maxAttempts);
    dynamo.destroy();
  }, 20_000);

  it('so do SQS and Secrets Manager (through Powertools)', async () => {
    const { sqs } = createAwsClients();
    const [sqsErr, secretsErr] = await Promise.all([
      failure(sqs.send(new SendMessageCommand({ QueueUrl: `${endpoint}/000000000000/q`, MessageBody: 'x' }))),
      failure(withSecrets({ HEADSUP_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:0:secret:tokens' })),
    ]);
    expect(sqsErr).toMatchObject({ name: 'TimeoutError', $metadata: { attempts: 3 } });
    // Powertools wraps the SDK's error in its GetParameterError; the cause is the SDK's.
    expect(secretsErr.name).toBe('GetParameterError');
    expect(secretsErr.cause).toMatchObject({ name: 'TimeoutError', $metadata: { attempts: 3 } });
    sqs.destroy();
  }, 20_000);

  it('the local stack’s emulator clients turn a late answer into an error too', async () => {
    // Their own limit is wider (slow emulators); a per-call limit shows the timeout throws, not warns.
    const dynamo = localDynamoClient(endpoint);
    const sqs = localSqsClient(endpoint);
    const [dynamoErr, sqsErr] = await Promise.all([
      failure(dynamo.send(new ListTablesCommand({}), { requestTimeout: 300 })),
      failure(
        sqs.send(new SendMessageCommand({ QueueUrl: `${endpoint}/000000000000/q`, MessageBody: 'x' }), {
          requestTimeout: 300,
        }),
      ),
    ]);
    expect(dynamoErr).toMatchObject({ name: 'TimeoutError', $metadata: { attempts: 3 } });
    expect(sqsErr).toMatchObject({ name: 'TimeoutError', $metadata: { attempts: 3 } });
    for (const client of [dynamo, sqs]) client.destroy();
  }, 20_000);

  it('gives up well before the shortest function timeout, retries included', () => {
    const { maxAttempts, maxRetryDelayMs, requestHandler } = AWS_HTTP_LIMITS;
    const worstCallMs = maxAttempts * requestHandler.requestTimeout + maxRetryDelayMs;
    const shortestFunctionMs = Math.min(...Object.values(FUNCTIONS).map((f) => f.timeoutSeconds * 1000));
    expect(worstCallMs).toBeLessThan(shortestFunctionMs);
    expect(requestHandler.connectionTimeout).toBeLessThan(requestHandler.requestTimeout);
    expect(requestHandler.throwOnRequestTimeout).toBe(true);
    const emulator = AWS_HTTP_LIMITS.emulatorRequestHandler;
    expect(emulator.requestTimeout).toBeLessThan(60_000);
    expect(emulator.throwOnRequestTimeout).toBe(true);
  });
});
