import { DEFAULT_PROVIDERS } from '@aws-lambda-powertools/parameters/base';
import { getSecret, SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { awsClientLimits } from '../../common/aws-http-limits';
import { SECRET_PLACEHOLDER, SECRETS } from '../../lib/definitions';
import { ConfigError } from '../config/error';
import type { Env } from '../config/functions';

/** Cached for five minutes per container: a rotated token is picked up without a redeploy. */
const SECRET_MAX_AGE_SECONDS = 300;

let provider: SecretsProvider | undefined;

/**
 * `getSecret` uses Powertools' default provider: made here once with our timeouts, so a hung Secrets
 * Manager fails the cold start in seconds; `clearCaches()` still reaches it.
 */
function useLimitedProvider(): void {
  provider ??= new SecretsProvider({ clientConfig: awsClientLimits() });
  if (DEFAULT_PROVIDERS.secrets !== provider) DEFAULT_PROVIDERS.secrets = provider;
}

/**
 * On AWS the tokens and ingest keys live in Secrets Manager (JSON objects keyed by variable name) and
 * only the ARNs are in the environment; locally there are no ARNs and the environment holds them.
 */
export async function withSecrets(env: Env): Promise<Env> {
  const merged = { ...env };
  for (const { arnEnv, keys } of Object.values(SECRETS)) {
    const arn = env[arnEnv];
    if (arn) Object.assign(merged, await readSecret(arnEnv, arn, keys));
  }
  return merged;
}

async function readSecret(arnVariable: string, arn: string, keys: readonly string[]): Promise<Env> {
  useLimitedProvider();
  const value: unknown = await getSecret(arn, { transform: 'json', maxAge: SECRET_MAX_AGE_SECONDS });
  if (typeof value !== 'object' || value === null) {
    throw ConfigError.forVariable(arnVariable, 'must name a secret holding a JSON object');
  }
  const found: Env = {};
  for (const key of keys) {
    const v = (value as Record<string, unknown>)[key];
    // A placeholder left from the deploy counts as missing, so start-up names the variable to set.
    if (typeof v === 'string' && v !== '' && v !== SECRET_PLACEHOLDER) found[key] = v;
  }
  return found;
}
