import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { SECRET_KEYS, SECRET_PLACEHOLDER, WIRING_ENV } from '../../lib/definitions';
import { ConfigError, type Env } from './config';

/** Cached for five minutes per container: a rotated token is picked up without a redeploy. */
const SECRET_MAX_AGE_SECONDS = 300;

/**
 * On AWS the tokens live in one Secrets Manager secret (a JSON object keyed by variable name) and only
 * its ARN is in the environment; locally there is no ARN and the environment holds them directly.
 */
export async function withSecrets(env: Env): Promise<Env> {
  const arn = env[WIRING_ENV.secretArn];
  if (!arn) return env;
  const value: unknown = await getSecret(arn, { transform: 'json', maxAge: SECRET_MAX_AGE_SECONDS });
  if (typeof value !== 'object' || value === null) {
    throw new ConfigError(
      `Configuration error: ${WIRING_ENV.secretArn} must name a secret holding a JSON object`,
    );
  }
  const fromSecret: Env = {};
  for (const key of SECRET_KEYS) {
    const v = (value as Record<string, unknown>)[key];
    // A placeholder left from the deploy counts as missing, so start-up names the variable to set.
    if (typeof v === 'string' && v !== '' && v !== SECRET_PLACEHOLDER) fromSecret[key] = v;
  }
  return { ...env, ...fromSecret };
}
