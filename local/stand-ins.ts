import type { Env } from '../functions/config/functions';
import * as settings from '../functions/config/settings';
import { type IntercomFake, type IntercomFakeOptions, startIntercomFake } from './fakes/intercom-api';
import { type PagerDutyFake, type PagerDutyFakeOptions, startPagerDutyFake } from './fakes/pagerduty-api';
import { type SlackFake, type SlackFakeOptions, startSlackFake } from './fakes/slack-api';

/** Where alerts go in the Slack stand-in unless SLACK_CHANNEL says otherwise. */
const STAND_IN_CHANNEL = 'C0LOCALDEV1';

export type StandIns = {
  slackFake?: SlackFake;
  intercomFake?: IntercomFake;
  pagerDutyFake?: PagerDutyFake;
  close: () => Promise<void>;
};

/**
 * The loopback stand-ins of Slack, Intercom and PagerDuty, each where no token or key names the real
 * service; `env` is pointed at the ones started (tokens, API URLs, and the channel, signing secret and
 * ids they use unless `env` names its own).
 */
export async function startStandIns(
  env: Env,
  options: { slack?: SlackFakeOptions; intercom?: IntercomFakeOptions; pagerDuty?: PagerDutyFakeOptions },
  log: (line: string) => void,
): Promise<StandIns> {
  const started: Array<SlackFake | IntercomFake | PagerDutyFake> = [];
  const close = async () => {
    for (const fake of started.splice(0).reverse()) await fake.close().catch(() => undefined);
  };
  try {
    let slackFake: SlackFake | undefined;
    if (!env[settings.slackBotToken.env]) {
      slackFake = await startSlackFake(options.slack);
      started.push(slackFake);
      Object.assign(env, {
        [settings.slackBotToken.env]: slackFake.token,
        [settings.slackApiUrl.env]: slackFake.url,
      });
      env[settings.slackChannel.env] ??= STAND_IN_CHANNEL;
      // The stand-in signs the button clicks it forwards, as Slack does.
      env[settings.slackSigningSecret.env] ??= slackFake.signingSecret;
      log(`Slack: no ${settings.slackBotToken.env}, alerts go to the local stand-in at ${slackFake.url}`);
    }
    let intercomFake: IntercomFake | undefined;
    if (!env[settings.intercomToken.env]) {
      intercomFake = await startIntercomFake(options.intercom);
      started.push(intercomFake);
      Object.assign(env, {
        [settings.intercomToken.env]: intercomFake.token,
        [settings.intercomApiUrl.env]: intercomFake.url,
        [settings.intercomAdminId.env]: intercomFake.adminIds[0],
      });
      env[settings.intercomAppId.env] ??= intercomFake.appId;
      log(
        `Intercom: no ${settings.intercomToken.env}, fix messages go to the local stand-in at ${intercomFake.url}`,
      );
    }
    let pagerDutyFake: PagerDutyFake | undefined;
    if (!env[settings.pagerDutyRoutingKey.env]) {
      pagerDutyFake = await startPagerDutyFake(options.pagerDuty);
      started.push(pagerDutyFake);
      Object.assign(env, {
        [settings.pagerDutyRoutingKey.env]: pagerDutyFake.routingKey,
        [settings.pagerDutyApiUrl.env]: pagerDutyFake.url,
      });
      log(
        `PagerDuty: no ${settings.pagerDutyRoutingKey.env}, pages go to the local stand-in at ${pagerDutyFake.url}`,
      );
    }
    return { slackFake, intercomFake, pagerDutyFake, close };
  } catch (err) {
    await close();
    throw err;
  }
}
