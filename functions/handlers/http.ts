import type { Context, LambdaFunctionURLEvent, LambdaFunctionURLResult } from 'aws-lambda';
import { handle } from 'hono/aws-lambda';
import { loadWebConfig } from '../adapters/config';
import { logger } from '../adapters/observability';
import { withSecrets } from '../adapters/secrets';
import { createWebApp } from '../web/app';
import { createWebDeps } from '../wiring';

type UrlHandler = (event: LambdaFunctionURLEvent, context: Context) => Promise<LambdaFunctionURLResult>;
let cached: Promise<UrlHandler> | undefined;

/** Built once per container (secrets read at cold start); a configuration error is one log line. */
function coldStart(): Promise<UrlHandler> {
  cached ??= withSecrets(process.env)
    .then((env) => handle(createWebApp(createWebDeps(loadWebConfig(env)))) as UrlHandler)
    .catch((err: Error) => {
      cached = undefined;
      logger.error(err.message);
      throw err;
    });
  return cached;
}

export const handler: UrlHandler = async (event, context) => (await coldStart())(event, context);
