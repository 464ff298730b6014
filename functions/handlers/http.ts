import type { Context, LambdaFunctionURLEvent, LambdaFunctionURLResult } from 'aws-lambda';
import { handle } from 'hono/aws-lambda';
import { loadWebConfig } from '../config/functions';
import { createWebApp } from '../web/app';
import { createWebDeps } from '../web/wiring';
import { depsFollowingSecrets } from './lambda-support';

type UrlHandler = (event: LambdaFunctionURLEvent, context: Context) => Promise<LambdaFunctionURLResult>;

/** The http Lambda (Function URL): the one web app, built at cold start with its secrets. */
const app = depsFollowingSecrets(
  (env) => handle(createWebApp(createWebDeps(loadWebConfig(env)))) as UrlHandler,
);

export const handler: UrlHandler = async (event, context) => (await app())(event, context);
