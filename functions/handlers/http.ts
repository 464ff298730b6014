import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context, LambdaFunctionURLEvent, LambdaFunctionURLResult } from 'aws-lambda';
import { handle } from 'hono/aws-lambda';
import { loadWebConfig } from '../adapters/config';
import { createDocumentClient, DynamoStore } from '../adapters/dynamo-store';
import { logger } from '../adapters/observability';
import { createWebApp } from '../web/app';

type UrlHandler = (event: LambdaFunctionURLEvent, context: Context) => Promise<LambdaFunctionURLResult>;
let cached: UrlHandler | undefined;

/** Built once per container; a configuration error is logged as one line and fails the request. */
function coldStart(): UrlHandler {
  try {
    const config = loadWebConfig(process.env);
    const store = new DynamoStore(createDocumentClient(new DynamoDBClient({})), config.tableName);
    cached = handle(createWebApp({ store, now: Date.now })) as UrlHandler;
    return cached;
  } catch (err) {
    logger.error((err as Error).message);
    throw err;
  }
}

export const handler: UrlHandler = (event, context) => (cached ?? coldStart())(event, context);
