import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import { join, resolve } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { Hono } from 'hono';
import { loadTeam, teamFilePath } from '../functions/adapters/team-file';
import { publicUrl, teamFile } from '../functions/config/settings';
import { QUEUES, WIRING_ENV } from '../lib/definitions';
import { CONSOLE_USER, canonicalHostname, createConsoleApp, isLoopbackHostname } from './console/routes';
import type { IntercomFake } from './fakes/intercom-api';
import type { SlackFake } from './fakes/slack-api';
import type { InvocationHook } from './handlers';
import { LOCAL_NAMES, startLocalPipeline } from './pipeline';
import { SAMPLE_USERS } from './samples';

export { DEV_INGEST_KEY } from './dev-key';

/** Retries come back after 10 s locally instead of Lambda's 3 minutes; the rest is as on AWS. */
const LOCAL_VISIBILITY_SECONDS = 10;
/** Triage pollers locally (up to 5 concurrent batches on AWS): two cores are shared with DynamoDB Local. */
const LOCAL_TRIAGE_POLLERS = 2;
/** The seeded users' last visits: within HEADSUP_INAPP_SEEN_WITHIN's default (30m), and well past it. */
const SEEN_RECENTLY_SECONDS = 2 * 60;
const SEEN_LONG_AGO_SECONDS = 3 * 86400;
/** How often the recent ones are seen again, so they stay recent however long the stack runs. */
const RECENT_VISIT_EVERY_MS = 60_000;

/** The package's own folder, as local/pipeline.ts finds its templates: the stack may run from anywhere. */
const PACKAGE_DIR = join(__dirname, '..');

/** Where the stack listens unless told otherwise: this machine only. */
const DEFAULT_HOST = '127.0.0.1';

export type LocalStackOptions = {
  port: number;
  /** Address or host name to listen on (default 127.0.0.1); anything else is reachable from the network. */
  host?: string;
  /** Keep DynamoDB's data in this folder between runs. */
  dataDir?: string;
  env?: Record<string, string | undefined>;
  /**
   * Hears each invocation as it starts and ends: the triage and notify batches, and (as `http`) each
   * request the web app answers, the console's own excepted. For measurements (the benchmark).
   */
  onInvocation?: InvocationHook;
  /** Runs the incident flow (escalation waits, snoozes) this many times faster; default 1. */
  clockSpeed?: number;
  log?: (line: string) => void;
};

export type LocalStack = {
  url: string;
  /** The address the web server is bound to. */
  address: AddressInfo;
  ingestKey: string;
  /** The Slack stand-in, when no Slack token was given. */
  slackFake?: SlackFake;
  /** The Intercom stand-in, when no Intercom token was given. */
  intercomFake?: IntercomFake;
  /** For measurements (the benchmark): the stack's own AWS clients and resources. */
  aws: {
    dynamo: DynamoDBClient;
    sqs: SQSClient;
    tableName: string;
    errorsQueueUrl: string;
    notifyQueueUrl: string;
  };
  stop: () => Promise<void>;
};

/**
 * Runs the whole pipeline on this machine (`local/pipeline.ts`: DynamoDB Local, the fauxqs SQS
 * emulator, the triage and notify handlers behind local event source mappings, the same handlers and
 * wiring as on AWS), with the web app and the dev console. Without Slack or Intercom credentials their
 * loopback stand-ins receive the alerts and fix messages.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const env = { ...(options.env ?? process.env) };
  const log = options.log ?? (() => undefined);

  const host = options.host ?? DEFAULT_HOST;
  const listenName = canonicalHostname(host);
  if (!listenName) throw new Error(`cannot listen on "${host}": not an IP address or host name`);
  const wildcard = listenName === '0.0.0.0' || listenName === '[::]';
  const loopback = isLoopbackHostname(listenName);
  // A specific non-loopback HOST: links and the ready line name it, since localhost does not reach it.
  const publicHost = loopback || wildcard ? 'localhost' : listenName;
  if (!loopback)
    log(
      `warning: HOST=${host} is not a loopback address: the dev console and the API are reachable from the network on port ${options.port} (the console posts events with the ingest key and signs Slack clicks)`,
    );

  const team = localTeam(env, log);

  // Absolute: DynamoDB Local runs with its own package folder as working directory.
  const dbDir = options.dataDir && resolve(options.dataDir, 'dynamodb');
  if (dbDir) mkdirSync(dbDir, { recursive: true });
  const pipeline = await startLocalPipeline({
    dataDir: dbDir,
    visibilityTimeoutSeconds: { errors: LOCAL_VISIBILITY_SECONDS, notify: LOCAL_VISIBILITY_SECONDS },
    env: { ...env, [publicUrl.env]: env[publicUrl.env] ?? `http://${publicHost}:${options.port}` },
    pollers: { triage: LOCAL_TRIAGE_POLLERS, notify: QUEUES.notify.maxConcurrency },
    onInvocation: options.onInvocation,
    clockSpeed: options.clockSpeed,
    // The team's people are paged by mention on purpose, and the console's clicker is named in place.
    slackFake: { allowedMentions: [...(team?.people.map((p) => p.slack) ?? []), CONSOLE_USER] },
    log,
  });
  const speed = options.clockSpeed ?? 1;
  if (speed !== 1)
    log(`incident clock ×${speed}: escalation waits and snoozes pass ${speed} times faster than real time`);
  const { slackFake, intercomFake, pagerDutyFake, webDeps } = pipeline;
  let stopSeeding = () => {};
  try {
    // The sample users are known to the stand-in, so their fix messages arrive in the console. Half were
    // in the product minutes ago, half days ago: a `channel: auto` template reaches them both ways.
    const nowSeconds = Math.floor(Date.now() / 1000);
    const recentIds: string[] = [];
    for (const [i, u] of SAMPLE_USERS.entries()) {
      const last_seen_at = nowSeconds - (i % 2 === 0 ? SEEN_RECENTLY_SECONDS : SEEN_LONG_AGO_SECONDS);
      const contact = intercomFake?.addContact({
        external_id: u.id,
        email: u.email,
        name: u.name,
        last_seen_at,
      });
      if (contact && i % 2 === 0) recentIds.push(contact.id);
    }
    // Seeded once, "minutes ago" would pass HEADSUP_INAPP_SEEN_WITHIN after half an hour of a running
    // stack: the recent users keep visiting, a minute apart (days-ago users stay as seeded).
    const keepRecent = setInterval(() => {
      const seen = Math.floor(Date.now() / 1000) - SEEN_RECENTLY_SECONDS;
      for (const id of recentIds) intercomFake?.setLastSeen(id, seen);
    }, RECENT_VISIT_EVERY_MS);
    keepRecent.unref();
    stopSeeding = () => clearInterval(keepRecent);
    let baseUrl = `http://127.0.0.1:${options.port}`;
    let port = options.port;
    const extraHosts = loopback ? [] : ownHostnames(listenName, wildcard);
    const root = new Hono();
    const onInvocation = options.onInvocation;
    // What the http Lambda would run: every request but the console's (its page and /console/*).
    if (onInvocation)
      root.use('*', async (c, next) => {
        if (c.req.path === '/' || c.req.path.startsWith('/console/')) return next();
        const ended = onInvocation('http', 1);
        try {
          await next();
        } finally {
          ended();
        }
      });
    root.route(
      '/',
      createConsoleApp({
        slack: slackFake,
        intercom: intercomFake,
        pagerDuty: pagerDutyFake,
        inspectQueue: pipeline.emulators.inspectQueue,
        dlqNames: [`${LOCAL_NAMES.errors}-dlq`, `${LOCAL_NAMES.notify}-dlq`],
        baseUrl: () => baseUrl,
        ingestKey: webDeps.ingest.keys[0]!,
        // New on every start: a page kept open from an earlier run (or any other) cannot drive it.
        token: randomBytes(32).toString('base64url'),
        port: () => port,
        extraHosts: () => extraHosts,
        team,
        clock: { now: pipeline.clock?.clock ?? Date.now, speed },
        // Expiry is judged by the machine's time, as the store does everywhere.
        readGroup: (fingerprint) => webDeps.store.getGroup(fingerprint, Date.now()),
        userZones: new Map(SAMPLE_USERS.map((u) => [u.email, u.timezone])),
      }),
    );
    root.route('/', pipeline.webApp);
    const { address } = await pipeline.listen(root.fetch, options.port, host);
    port = address.port;
    if (!loopback) extraHosts.push(selfHost(address.address));
    baseUrl = `http://${selfHost(address.address)}:${port}`;
    return {
      url: `http://${publicHost}:${port}`,
      address,
      ingestKey: webDeps.ingest.keys[0]!,
      slackFake,
      intercomFake,
      aws: {
        ...pipeline.emulators.aws,
        tableName: pipeline.tableName,
        errorsQueueUrl: pipeline.errors.queueUrl,
        notifyQueueUrl: pipeline.notify.queueUrl,
      },
      stop: async () => {
        stopSeeding();
        await pipeline.stop();
      },
    };
  } catch (err) {
    stopSeeding();
    await pipeline.stop();
    throw err;
  }
}

/**
 * The team the stack runs with. Locally on-call is on by default, so a fresh clone shows escalation:
 * without HEADSUP_ONCALL and without oncall.yaml beside the templates, the package's example team.
 * `env` gets HEADSUP_ONCALL then; a broken or missing named file stops the stack as it would a function.
 */
function localTeam(env: Record<string, string | undefined>, log: (line: string) => void) {
  // The templates the pipeline will use: the package's unless HEADSUP_TEMPLATES names others.
  const found = teamFilePath({
    ...env,
    [WIRING_ENV.templates]: env[WIRING_ENV.templates] ?? join(PACKAGE_DIR, 'templates'),
  });
  if (!found.required && !existsSync(found.path)) {
    const example = join(PACKAGE_DIR, 'oncall.example.yaml');
    env[teamFile.env] = example;
    log(`on-call: no ${found.path} and ${teamFile.env} unset: using the example team ${example}`);
    return loadTeam(example, { required: true });
  }
  return loadTeam(found.path, found);
}

/** The names this machine answers to when HOST is deliberately not loopback: HOST and its addresses. */
function ownHostnames(listenName: string, wildcard: boolean): string[] {
  const names = [listenName];
  if (wildcard) {
    names.push(hostname().toLowerCase());
    for (const nic of Object.values(networkInterfaces()))
      for (const { address } of nic ?? []) names.push(canonicalHostname(address) ?? address);
  }
  return names;
}

/** How the stack calls its own routes: the bound address, or loopback when bound to all of them. */
function selfHost(address: string): string {
  if (address === '0.0.0.0' || address === '::') return '127.0.0.1';
  return canonicalHostname(address) ?? address;
}
