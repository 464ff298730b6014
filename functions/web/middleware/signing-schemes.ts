import { verifyHelpScoutSignature } from '../../core/helpscout/signature';
import { verifySlackSignature } from '../../core/slack/signature';
import type { SigningScheme } from './signed-request';

/**
 * Lambda's cap on a Function URL request: on AWS nothing larger ever reaches the function, so this bound
 * changes no answer there and gives the local server the same one.
 */
const FUNCTION_URL_REQUEST_BYTES = 6 * 1024 * 1024;

/** Slack's signed requests (interactivity, and any Slack route to come); refused with 401. */
export const SLACK_SIGNING: SigningScheme = {
  signer: 'Slack',
  secretSetting: 'SLACK_SIGNING_SECRET',
  refusalStatus: 401,
  refusalLog: 'Slack action refused',
  maxBytes: FUNCTION_URL_REQUEST_BYTES,
  verify: (signingSecret, rawBody, header, nowMs) =>
    verifySlackSignature({
      signingSecret,
      timestamp: header('x-slack-request-timestamp'),
      signature: header('x-slack-signature'),
      rawBody,
      nowSeconds: Math.floor(nowMs / 1000),
    }),
};

/** Help Scout's dynamic-content requests; refused with 403. */
export const HELP_SCOUT_SIGNING: SigningScheme = {
  signer: 'Help Scout',
  secretSetting: 'HELPSCOUT_SECRET',
  refusalStatus: 403,
  refusalLog: 'Help Scout request refused',
  maxBytes: FUNCTION_URL_REQUEST_BYTES,
  verify: (secret, rawBody, header) =>
    verifyHelpScoutSignature({ secret, signature: header('x-helpscout-signature'), rawBody }),
};
