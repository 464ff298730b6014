import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { clip } from '../../common/clip';
import { parseJsonText } from '../../common/json-text';
import { chooseChannel } from '../core/channel';
import type { ErrorEvent } from '../core/event-schema';
import {
  cooldownKeyId,
  type DecideContext,
  type Decision,
  decide,
  type GroupEntry,
  type GroupTold,
  groupFix,
  type JobView,
  planGroups,
  waitSeconds,
} from '../core/fix-decision';
import { type NotifyJob, notifyJobSchema } from '../core/notify-job';
import { type GroupStanding, promisedBy, replyWords } from '../core/oncall/response-text';
import type { Team } from '../core/oncall/team-schema';
import type { DetailLink, NotifyOutcome } from '../core/records';
import type { MessageOptions } from '../core/slack/message';
import { outcomeMessage } from '../core/slack/outcome';
import { parentMessage } from '../core/slack/parent';
import { type ResponseText, templateContext } from '../core/templates/context';
import type { FixTemplate } from '../core/templates/parse';
import { PermanentError, RetryableError, reasonOf, refused } from './failures';
import type {
  AlertThreads,
  Contact,
  FixJobQueue,
  FixStore,
  FixWrite,
  FixWriteRefusal,
  Messenger,
  OutgoingMessage,
} from './ports';

export type NotifyDeps = {
  store: FixStore;
  intercom: Messenger;
  slack: AlertThreads;
  templates: FixTemplate[];
  /** `channel: auto` sends in-app to a user Intercom saw within this many seconds, else an email. */
  inappSeenWithinSeconds: number;
  /** The on-call team: what fix messages promise about a reply (`response.*`). Undefined: no team file. */
  team?: Team;
  messages: MessageOptions;
  /**
   * A guard still "sending" after this long belongs to an attempt that died mid-way: the wiring sets
   * it a little past the notify function's timeout, which no attempt outlives.
   */
  sendingStaleMs: number;
  /** Takes back a job that met a fix being sent right now, until that guard would be stale. */
  retryLater: FixJobQueue;
  now: () => number;
  log: Pick<Logger, 'warn' | 'error'>;
  metrics: Pick<Metrics, 'addMetric'>;
};

export type NotifyResult = NotifyOutcome['status'] | 'duplicate' | 'invalid' | 'deferred';

type OutcomeWrite = Extract<FixWrite, { kind: 'outcome' }>;
type LinkRefusal = Extract<FixWriteRefusal, { kind: 'link' }>;

const outcomeWrite = (write: Omit<OutcomeWrite, 'kind'>): OutcomeWrite => ({ kind: 'outcome', ...write });

/** One message of the notify queue. */
export type NotifyMessage = { id: string; body: string };

/** The ids of the messages to retry, and what became of the others. */
export type NotifyBatchResult = { failedIds: string[]; results: Map<string, NotifyResult> };

/**
 * The invocation's time (Lambda's remaining time) and what a round may take at worst: no round starts
 * that the timeout could cut short — its claimed jobs would be reported "may have arrived" unsent.
 */
export type TimeBudget = { timeLeftMs: () => number; roundReserveMs: number };

/** A render error can quote the template's source: the thread and the detail page get one short line. */
const RENDER_REASON_CHARS = 200;
/** Jobs decided together: a round's claims are one transaction and its outcomes another (≤ 100 writes). */
const JOBS_PER_ROUND = 20;
/**
 * Jobs that must wait for another job of the same batch (the same occurrence, or the same user and
 * template) are decided again in a next round, once that job's outcome is recorded.
 */
const MAX_ROUNDS = 6;
/** When a job left over past MAX_ROUNDS, or past the time budget, comes back. */
const LEFTOVER_DELAY_SECONDS = 1;
/** A write refused because the table changed since it was read is decided again, this often at most. */
const MAX_WRITE_ATTEMPTS = 5;

/**
 * Sends each job's fix message at most once per occurrence (ever) and per user, template and cooldown
 * — under duplicate jobs, retries and concurrent invocations — and tells the team what happened, in
 * the alert's Slack thread. A batch is read, claimed and recorded together: two consistent batch
 * reads, one transaction for the claims, one for the outcomes, whatever the number of jobs.
 */
export async function notifyBatch(
  messages: NotifyMessage[],
  deps: NotifyDeps,
  budget?: TimeBudget,
): Promise<NotifyBatchResult> {
  const batch = new Batch(deps);
  let pending = batch.parse(messages);
  let started = 0;
  for (let round = 1; pending.length > 0; round++) {
    if (round > MAX_ROUNDS) {
      await batch.requeue(pending);
      break;
    }
    const next: Job[] = [];
    for (let i = 0; i < pending.length; i += JOBS_PER_ROUND) {
      // The first round always runs (the function's timeout holds one), so every batch progresses.
      if (started++ > 0 && budget && budget.timeLeftMs() < budget.roundReserveMs) {
        const left = [...pending.slice(i), ...next];
        deps.log.warn('notify out of time: jobs not started come back', { jobs: left.length });
        await batch.requeue(left);
        return batch.finish();
      }
      next.push(...(await new Round(pending.slice(i, i + JOBS_PER_ROUND), batch).run()));
    }
    pending = next;
  }
  return batch.finish();
}

/** One job of the batch; identical copies of it in the batch share its fate. */
type Job = { id: string; job: NotifyJob };

/** The results of a batch, and the failures to retry (logged once per batch). */
class Batch {
  readonly results = new Map<string, NotifyResult>();
  private readonly failed: { id: string; err: unknown }[] = [];
  /**
   * Each user's lookup by what it asks (id, email), shared by this batch's jobs for them — including
   * "not in Intercom". A failed lookup is forgotten, and nothing is kept past the batch: a user may
   * sign up any minute.
   */
  private readonly lookups = new Map<string, Promise<Contact | undefined>>();

  constructor(readonly deps: NotifyDeps) {}

  /** Valid jobs, one per distinct job: copies are answered as duplicates of the first. */
  parse(messages: NotifyMessage[]): Job[] {
    const jobs = new Map<string, Job>();
    for (const m of messages) {
      const json = parseJsonText(m.body);
      const parsed = notifyJobSchema.safeParse(json.ok ? json.value : undefined);
      if (!parsed.success) {
        this.deps.log.error('invalid notify job dropped', {
          issues: parsed.error.issues.map((i) => i.message),
        });
        this.results.set(m.id, 'invalid');
        continue;
      }
      const key = JSON.stringify(parsed.data);
      // A copy is done when its first is: sent, recorded, or retried through the first's own message.
      if (jobs.has(key)) this.results.set(m.id, 'duplicate');
      else jobs.set(key, { id: m.id, job: parsed.data });
    }
    return [...jobs.values()];
  }

  findUser(user: ErrorEvent['user']): Promise<Contact | undefined> {
    const key = JSON.stringify([user?.id, user?.email]);
    let lookup = this.lookups.get(key);
    if (!lookup) {
      lookup = this.deps.intercom.findUser(user);
      this.lookups.set(key, lookup);
      lookup.catch(() => this.lookups.delete(key));
    }
    return lookup;
  }

  /**
   * Jobs this invocation will not decide come back as new messages: failing them would spend their
   * receives and could park them in the DLQ while a later try would settle them.
   */
  async requeue(jobs: Job[]): Promise<void> {
    await Promise.all(
      jobs.map((job) =>
        this.deps.retryLater.send(job.job, LEFTOVER_DELAY_SECONDS).then(
          () => this.settle(job, 'deferred'),
          (err) => this.fail(job, err),
        ),
      ),
    );
  }

  settle(job: Job, result: NotifyResult): void {
    this.results.set(job.id, result);
  }

  fail(job: Job, err: unknown): void {
    this.failed.push({ id: job.id, err });
  }

  finish(): NotifyBatchResult {
    if (this.failed.length > 0) {
      this.deps.log.warn('notify jobs left for a retry', {
        jobs: this.failed.length,
        reason: clip(reasonOf(this.failed[0]!.err), RENDER_REASON_CHARS),
      });
    }
    return { failedIds: this.failed.map((f) => f.id), results: this.results };
  }
}

/** What happened at Intercom; `handedOver` once the message may have reached it. */
type Delivery =
  | { handedOver: true; outcome: NotifyOutcome; error?: undefined }
  /** Nothing was sent: the guards go back, with an outcome to record, or an error to retry on. */
  | { handedOver: false; outcome: NotifyOutcome; error?: undefined }
  | { handedOver: false; outcome?: undefined; error: unknown };

type Stage =
  /** Decided for good in this round (settled, deferred, failed or left for the next round). */
  | 'done'
  /** An outcome to record without calling Intercom. */
  | 'outcome'
  /** Both guards to claim. */
  | 'send'
  /** Guards held: Intercom is called. */
  | 'claimed'
  /** Recorded before, the team not told yet. */
  | 'retell'
  /** Recorded: the thread is to be told. */
  | 'tell';

type Work = {
  job: Job;
  view: JobView;
  decision: Decision;
  stage: Stage;
  /** This attempt's token on both guards. */
  token: string;
  delivery?: Delivery;
  /** Told in the thread (decided with the group's flags). */
  tell?: boolean;
  /** The link disappeared under a write: nothing more is recorded on it. */
  linkGone?: boolean;
  /** A guard this attempt took is no longer its own (taken over as stale): not given back. */
  keepOccurrence?: boolean;
  keepSend?: boolean;
};

/** A round: the jobs decided together, at most one writer per occurrence and one sender per guard. */
class Round {
  private readonly now: number;
  private readonly ctx: DecideContext;
  private readonly deps: NotifyDeps;
  private works: Work[] = [];
  private readonly next: Job[] = [];
  private readonly deferrals: Promise<void>[] = [];
  /** Cooldown guards whose cooldown a job of this round explains. */
  private readonly noticed = new Set<string>();
  /** Each group's "first outcome" flags, as read (undefined: the group is gone). */
  private readonly told = new Map<string, GroupTold | undefined>();
  /** Each group's urgency and state, as read with the guards: what its fix messages promise. */
  private readonly standing = new Map<string, GroupStanding>();
  /** The reply each group's messages promise this round (promisedBy), by fingerprint. */
  private readonly promised = new Map<string, number | undefined>();
  private phase: 'claim' | 'record' = 'claim';

  constructor(
    private readonly jobs: Job[],
    private readonly batch: Batch,
  ) {
    this.deps = batch.deps;
    this.now = this.deps.now();
    this.ctx = { now: this.now, sendingStaleMs: this.deps.sendingStaleMs, templates: this.deps.templates };
  }

  /** Returns the jobs for the next round. */
  async run(): Promise<Job[]> {
    try {
      await this.read();
    } catch (err) {
      for (const job of this.jobs) this.batch.fail(job, err);
      return [];
    }
    try {
      this.placeAll();
      await this.claim();
      this.phase = 'record';
      await Promise.all(this.works.filter((w) => w.stage === 'claimed').map((w) => this.deliver(w)));
      await this.record();
      await this.tellThreads();
    } catch (err) {
      // Not expected (every step handles its failures): whatever is not done is retried.
      this.deps.log.error('notify round failed', { reason: reasonOf(err) });
      for (const w of this.works) if (w.stage !== 'done') this.fail(w, err);
    }
    await Promise.all(this.deferrals);
    return this.next;
  }

  /** The links and occurrence guards, then the cooldown guards and groups the jobs turn out to need. */
  private async read(): Promise<void> {
    const linkIds = [...new Set(this.jobs.map((j) => j.job.linkId))];
    const found = await this.deps.store.readLinks(linkIds, this.now);
    const byLink = new Map(linkIds.map((id, i) => [id, found[i]!]));
    this.works = this.jobs.map((job) => {
      const { link, occurrence } = byLink.get(job.job.linkId)!;
      const view: JobView = { job: job.job, link, occurrence, cooldown: 'unread' };
      return { job, view, decision: decide(view, this.ctx), stage: 'done', token: randomUUID() };
    });

    const keys = new Map<string, { recipient: string; templateId: string }>();
    for (const w of this.works)
      if (w.decision.kind === 'guard') keys.set(cooldownKeyId(w.decision.key), w.decision.key);
    // The groups of the jobs that may record or tell an outcome (not of duplicates and waits).
    const fingerprints = [
      ...new Set(
        this.works.flatMap((w) => {
          const d = w.decision;
          const records = d.kind === 'outcome' || d.kind === 'guard' || (d.kind === 'duplicate' && d.retell);
          return records ? [d.link.fingerprint] : [];
        }),
      ),
    ];
    if (keys.size === 0 && fingerprints.length === 0) return;
    const guards = await this.deps.store.readGuards([...keys.values()], fingerprints);
    const byKey = new Map([...keys.keys()].map((id, i) => [id, guards.cooldowns[i]]));
    for (const [i, fp] of fingerprints.entries()) {
      this.told.set(fp, guards.groups[i]?.told);
      const standing = guards.groups[i]?.standing;
      if (standing) this.standing.set(fp, standing);
    }
    for (const w of this.works) {
      if (w.decision.kind !== 'guard') continue;
      w.view.cooldown = byKey.get(cooldownKeyId(w.decision.key));
      w.decision = decide(w.view, this.ctx);
    }
  }

  /** In batch order: a job that would write where an earlier one of the round does waits a round. */
  private placeAll(): void {
    const links = new Set<string>();
    const senders = new Set<string>();
    for (const w of this.works) {
      const d = w.decision;
      const writes = d.kind === 'outcome' || d.kind === 'send' || (d.kind === 'duplicate' && d.retell);
      if (writes) {
        if (links.has(w.job.job.linkId)) {
          this.toNextRound(w);
          continue;
        }
        if (d.kind === 'send') {
          const key = cooldownKeyId(d.key);
          if (senders.has(key)) {
            this.toNextRound(w);
            continue;
          }
          senders.add(key);
        }
        links.add(w.job.job.linkId);
      }
      this.place(w);
    }
  }

  private place(w: Work): void {
    const d = w.decision;
    switch (d.kind) {
      case 'missing':
        // Not the link id: it is the secret part of a detail URL, and logs are read more widely.
        this.deps.log.warn('notify job for an unknown or deleted occurrence', {
          templateId: w.job.job.templateId,
          trigger: w.job.job.trigger,
        });
        this.settle(w, 'expired');
        return;
      case 'duplicate':
        if (d.retell) w.stage = 'retell';
        else this.settle(w, 'duplicate');
        return;
      case 'wait':
        this.defer(w, d.heldSince);
        return;
      case 'outcome': {
        const cooldown = d.cooldown;
        if (cooldown?.notice) {
          const key = cooldownKeyId(cooldown.key);
          // One job explains a guard's cooldown; the round's others are repeats.
          if (this.noticed.has(key))
            w.decision = { ...d, cooldown: { ...cooldown, quiet: true, notice: undefined } };
          else this.noticed.add(key);
        }
        w.stage = 'outcome';
        return;
      }
      case 'send':
        // Past the claim, a job that may send after all waits for the next round's claim.
        if (this.phase === 'claim') w.stage = 'send';
        else this.toNextRound(w);
        return;
      case 'guard':
        this.toNextRound(w);
        return;
    }
  }

  private settle(w: Work, result: NotifyResult): void {
    w.stage = 'done';
    this.batch.settle(w.job, result);
  }

  private fail(w: Work, err: unknown): void {
    w.stage = 'done';
    this.batch.fail(w.job, err);
  }

  private toNextRound(w: Work): void {
    w.stage = 'done';
    this.next.push(w.job);
  }

  /**
   * Another attempt holds a guard "sending": its result decides this job. The job comes back as a new,
   * delayed message (until the attempt is likely done, at the latest once the guard would be stale)
   * rather than failing: retries would spend the message's few receives while a killed attempt's guard
   * ages, and park a job in the DLQ that a later try would send.
   */
  private defer(w: Work, heldSince: number): void {
    w.stage = 'done';
    this.deferrals.push(
      this.deps.retryLater.send(w.job.job, waitSeconds(heldSince, this.ctx)).then(
        () => this.batch.settle(w.job, 'deferred'),
        (err) => this.batch.fail(w.job, err),
      ),
    );
  }

  /** A job whose write was refused, decided again on what the table holds now. */
  private redecide(w: Work): void {
    w.decision = decide(w.view, this.ctx);
    this.place(w);
  }

  /**
   * Claims both guards of every sender in one transaction. A sender whose own condition failed is
   * decided again on what was found (it may wait, or be held by a cooldown); the others claim again.
   */
  private async claim(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const senders = this.works.filter((w) => w.stage === 'send');
      if (senders.length === 0) return;
      if (attempt > MAX_WRITE_ATTEMPTS) {
        for (const w of senders) this.fail(w, new Error('the fix guards kept changing'));
        return;
      }
      const writes: FixWrite[] = [];
      const owners: Work[] = [];
      for (const w of senders) {
        for (const write of this.claimWrites(w)) {
          writes.push(write);
          owners.push(w);
        }
      }
      let refusals: Awaited<ReturnType<FixStore['write']>>['refused'];
      try {
        refusals = (await this.deps.store.write(writes)).refused;
      } catch (err) {
        // The claims may have been taken all the same (an answer lost): nothing was sent, give them back.
        await this.releaseQuietly(senders);
        for (const w of senders) this.fail(w, err);
        return;
      }
      if (refusals.length === 0) {
        for (const w of senders) w.stage = 'claimed';
        return;
      }
      const changed = new Set<Work>();
      const relook = new Set<Work>();
      for (const r of refusals) {
        const w = owners[r.index]!;
        changed.add(w);
        if (r.kind === 'link') relook.add(w);
        else if (r.kind === 'occurrence') w.view.occurrence = r.held;
        else if (r.kind === 'cooldown') w.view.cooldown = r.guard;
      }
      for (const w of changed) {
        // The link's outcome changed since it was read: read it again in the next round.
        if (relook.has(w)) this.toNextRound(w);
        else this.redecide(w);
      }
    }
  }

  private claimWrites(w: Work): FixWrite[] {
    const d = w.decision as Extract<Decision, { kind: 'send' }>;
    const { link, template, key } = d;
    return [
      { kind: 'check-link', linkId: link.id, notifyAt: link.notify?.at },
      { kind: 'claim-occurrence', linkId: link.id, token: w.token, at: this.now, expiresAt: link.expiresAt },
      {
        kind: 'claim-send',
        claim: {
          ...key,
          linkId: link.id,
          token: w.token,
          now: this.now,
          cooldownSeconds: template.cooldown,
        },
      },
    ];
  }

  /** Gives back the guards of attempts that sent nothing; a guard no longer this attempt's stays. */
  private async releaseQuietly(works: Work[]): Promise<void> {
    const writes = works.flatMap((w) => this.releases(w));
    await Promise.all(writes.map((write) => this.deps.store.write([write]).catch(() => undefined)));
  }

  private releases(w: Work): FixWrite[] {
    const d = w.decision as Extract<Decision, { kind: 'send' }>;
    const writes: FixWrite[] = [];
    if (!w.keepSend) writes.push({ kind: 'release-send', ...d.key, token: w.token });
    if (!w.keepOccurrence) writes.push({ kind: 'release-occurrence', linkId: d.link.id, token: w.token });
    return writes;
  }

  /** The contact, the rendered template, the message: as today, one job at a time, all jobs at once. */
  private async deliver(w: Work): Promise<void> {
    const { link, template } = w.decision as Extract<Decision, { kind: 'send' }>;
    const standing = this.standing.get(link.fingerprint);
    const reply = () => {
      const { team } = this.deps;
      // Worked out once per group a round: every message of it promises the same time.
      if (team && !this.promised.has(link.fingerprint))
        this.promised.set(link.fingerprint, promisedBy(team, standing, this.now));
      const by = this.promised.get(link.fingerprint);
      return replyWords(team, standing, by, this.now, link.event.user?.timezone);
    };
    w.delivery = await deliver(link, template, { now: this.now, reply }, this.batch);
  }

  /**
   * Records every outcome of the round in one transaction: the cooldown guards (sent, uncertain, given
   * back, cooldown explained), the detail items, each group's counts and latest fix. A write refused
   * because the table changed is decided again and the transaction rebuilt.
   */
  private async record(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const plan = this.recordPlan();
      if (plan.writes.length === 0) {
        this.recorded(plan.entries);
        return;
      }
      if (attempt > MAX_WRITE_ATTEMPTS) return this.unrecorded(new Error('the fix outcomes kept changing'));
      let refusals: Awaited<ReturnType<FixStore['write']>>['refused'];
      try {
        refusals = (await this.deps.store.write(plan.writes)).refused;
      } catch (err) {
        return this.unrecorded(err);
      }
      if (refusals.length === 0) {
        this.recorded(plan.entries);
        return;
      }
      for (const r of refusals) {
        const w = plan.owners[r.index]!;
        const write = plan.writes[r.index]!;
        if (write.kind === 'outcome') {
          // Another attempt recorded an outcome since the read: decided again on it in the next round
          // (a duplicate). A sender's guards are recorded all the same.
          if ((r as LinkRefusal).changed && w.stage !== 'claimed') this.toNextRound(w);
          else w.linkGone = true;
        } else if (write.kind === 'release-occurrence') w.keepOccurrence = true;
        else if (write.kind === 'release-send') w.keepSend = true;
        else if (write.kind === 'group-fix' && r.kind === 'group') this.told.set(write.fingerprint, r.told);
        else if (write.kind === 'note-cooldown' && r.kind === 'cooldown') {
          // Another attempt explained it meanwhile, or the guard changed: decided again on what is there.
          this.noticed.delete(cooldownKeyId(write));
          w.view.cooldown = r.guard;
          this.redecide(w);
        }
      }
    }
  }

  /**
   * The outcomes could not be recorded: every job of the record is retried. Senders that handed
   * nothing to Intercom give their guards back; after the hand-over nothing is given back, so the
   * retry finds the guard and never resends.
   */
  private async unrecorded(err: unknown): Promise<void> {
    const unsent = this.works.filter((w) => w.stage === 'claimed' && w.delivery && !w.delivery.handedOver);
    await this.releaseQuietly(unsent);
    await this.recordHandedOver();
    for (const w of this.works) {
      if (w.stage === 'outcome' || w.stage === 'claimed' || w.stage === 'retell') this.fail(w, err);
    }
  }

  /**
   * The round's record failed (e.g. its group items kept conflicting with triage in a burst): what was
   * handed to Intercom is recorded without the groups — its guard, and its outcome on the link marked
   * `uncounted` — so its retry finds "sent" (not "may have arrived"), and counts it on the group and
   * tells the thread in the write that clears the mark. Those jobs go to the next round.
   */
  private async recordHandedOver(): Promise<void> {
    const sent = this.works.filter((w) => w.stage === 'claimed' && w.delivery?.handedOver);
    for (let attempt = 1; sent.length > 0 && attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
      const writes: FixWrite[] = [];
      for (const w of sent) {
        const d = w.decision as Extract<Decision, { kind: 'send' }>;
        const outcome = w.delivery!.outcome!;
        writes.push(
          outcome.status === 'sent'
            ? { kind: 'mark-sent', ...d.key, sentAt: outcome.at, cooldownSeconds: d.template.cooldown }
            : { kind: 'mark-uncertain', ...d.key, at: outcome.at },
        );
        if (w.linkGone) continue;
        writes.push(
          outcomeWrite({
            linkId: d.link.id,
            templateId: w.job.job.templateId,
            outcome,
            reported: false,
            notifyAt: d.link.notify?.at,
            uncounted: true,
          }),
        );
      }
      try {
        const { refused } = await this.deps.store.write(writes);
        if (refused.length === 0) {
          for (const w of sent) this.toNextRound(w);
          return;
        }
        // The link changed or is gone: the guard is recorded without it.
        for (const r of refused) {
          const write = writes[r.index]!;
          if (write.kind === 'outcome') {
            const w = sent.find((s) => linkOf(s).id === write.linkId);
            if (w) w.linkGone = true;
          }
        }
      } catch {
        return; // as before: the retry finds the guards held and records "may have arrived"
      }
    }
  }

  private recordPlan(): {
    writes: FixWrite[];
    owners: Work[];
    entries: Array<{ w: Work; entry: GroupEntry }>;
  } {
    const writes: FixWrite[] = [];
    const owners: Work[] = [];
    const add = (w: Work, write: FixWrite) => {
      writes.push(write);
      owners.push(w);
    };
    const entries: Array<{ w: Work; entry: GroupEntry }> = [];
    const quiet = new Set<Work>();
    for (const w of this.works) {
      w.tell = false; // decided below, with the groups' flags as they now stand
      const outcome = outcomeOf(w);
      if (w.stage === 'outcome') {
        const d = w.decision as Extract<Decision, { kind: 'outcome' }>;
        if (d.cooldown?.notice) {
          add(w, { kind: 'note-cooldown', ...d.cooldown.key, token: d.cooldown.notice });
        }
        if (d.cooldown?.quiet) quiet.add(w);
      } else if (w.stage === 'claimed') {
        const d = w.decision as Extract<Decision, { kind: 'send' }>;
        const delivery = w.delivery!;
        if (delivery.handedOver && delivery.outcome.status === 'sent') {
          add(w, {
            kind: 'mark-sent',
            ...d.key,
            sentAt: delivery.outcome.at,
            cooldownSeconds: d.template.cooldown,
          });
        } else if (delivery.handedOver) {
          add(w, { kind: 'mark-uncertain', ...d.key, at: delivery.outcome.at });
        } else {
          for (const release of this.releases(w)) add(w, release);
        }
      } else if (w.stage !== 'retell') {
        continue;
      }
      if (!outcome || quiet.has(w)) continue;
      const link = linkOf(w);
      entries.push({
        w,
        entry: {
          fingerprint: link.fingerprint,
          linkId: link.id,
          automatic: w.job.job.trigger === 'auto',
          outcome,
          counted: counts(w),
          fix: groupFix(outcome, link, w.job.job),
        },
      });
    }
    const { tell, groups } = planGroups(
      entries.map((e) => e.entry),
      this.told,
    );
    entries.forEach((e, i) => {
      e.w.tell = tell[i];
    });
    for (const w of this.works) {
      const outcome = outcomeOf(w);
      if (!outcome || w.linkGone) continue;
      const counted = counts(w);
      // Not told: recorded as reported at once. A re-telling that is not due is marked reported.
      const reported = quiet.has(w) || !w.tell;
      if (counted || (w.stage === 'retell' && reported)) {
        add(
          w,
          outcomeWrite({
            linkId: linkOf(w).id,
            templateId: w.job.job.templateId,
            outcome,
            reported,
            notifyAt: linkOf(w).notify?.at,
          }),
        );
      }
    }
    const groupOwner = new Map(entries.map((e) => [e.entry.fingerprint, e.w]));
    for (const g of groups) add(groupOwner.get(g.fingerprint)!, { kind: 'group-fix', ...g });
    return { writes, owners, entries };
  }

  /** The outcomes are recorded: count them, settle what is not told, fail what Intercom refused. */
  private recorded(entries: Array<{ w: Work; entry: GroupEntry }>): void {
    for (const { entry } of entries) {
      if (!entry.counted) continue;
      this.deps.metrics.addMetric(`fix_${entry.outcome.status}`, MetricUnit.Count, 1);
      if (entry.outcome.status === 'sent') this.deps.metrics.addMetric('fixesSent', MetricUnit.Count, 1);
    }
    for (const w of this.works) {
      if (w.stage !== 'outcome' && w.stage !== 'claimed' && w.stage !== 'retell') continue;
      const delivery = w.delivery;
      if (delivery?.error !== undefined) {
        this.fail(w, delivery.error); // nothing sent, guards given back: the retry may send
        continue;
      }
      if (w.tell) w.stage = 'tell';
      else this.settle(w, resultOf(w));
    }
  }

  /**
   * Replies in each alert's thread and updates the alert (its fix line and buttons) once per group;
   * then marks the outcomes reported. Marked only after Slack took them, so a retry tells the team.
   */
  private async tellThreads(): Promise<void> {
    const telling = this.works.filter((w) => w.stage === 'tell');
    if (telling.length === 0) return;
    const byGroup = new Map<string, Work[]>();
    for (const w of telling) {
      const fp = linkOf(w).fingerprint;
      byGroup.set(fp, [...(byGroup.get(fp) ?? []), w]);
    }
    let groups: Awaited<ReturnType<FixStore['readGroups']>>;
    try {
      groups = await this.deps.store.readGroups([...byGroup.keys()]);
    } catch (err) {
      for (const w of telling) this.fail(w, err);
      return;
    }
    const told: Work[] = [];
    await Promise.all(
      [...byGroup].map(async ([fingerprint, works]) => {
        const group = groups.get(fingerprint);
        if (!group?.slack) {
          this.deps.log.warn('fix outcome not posted: the group has no Slack alert yet', {
            fingerprint,
            outcome: outcomeOf(works[0]!)?.status,
          });
          told.push(...works);
          return;
        }
        const replied: Work[] = [];
        for (const w of works) {
          const template = this.deps.templates.find((t) => t.id === w.job.job.templateId);
          const message = outcomeMessage(
            outcomeOf(w)!,
            template?.name ?? w.job.job.templateId,
            linkOf(w).event.user,
            w.job.job,
          );
          try {
            await this.deps.slack.reply(group.slack, message);
            replied.push(w);
          } catch (err) {
            this.fail(w, err);
          }
        }
        if (replied.length === 0) return;
        try {
          await this.deps.slack.update(group.slack, parentMessage(group, this.deps.messages));
          told.push(...replied);
        } catch (err) {
          for (const w of replied) this.fail(w, err);
        }
      }),
    );
    await this.markReported(told);
    for (const w of told) this.settle(w, resultOf(w));
  }

  /**
   * Slack has them. A failure here is not retried: the retry would tell the thread a second time, and
   * an outcome left unreported is told again only if its job comes again.
   */
  private async markReported(works: Work[]): Promise<void> {
    let pending = works.filter((w) => !w.linkGone);
    for (let attempt = 1; pending.length > 0 && attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
      // Only over the outcome just recorded (or re-told): never over a later one.
      const writes: FixWrite[] = pending.map((w) =>
        outcomeWrite({
          linkId: linkOf(w).id,
          templateId: w.job.job.templateId,
          outcome: outcomeOf(w)!,
          reported: true,
          notifyAt: outcomeOf(w)!.at,
        }),
      );
      try {
        const { refused: gone } = await this.deps.store.write(writes);
        const missing = new Set(gone.map((r) => pending[r.index]));
        pending = missing.size === 0 ? [] : pending.filter((w) => !missing.has(w));
      } catch (err) {
        this.deps.log.warn('fix outcomes told in Slack but not marked reported', {
          outcomes: pending.length,
          reason: reasonOf(err),
        });
        return;
      }
    }
  }
}

/**
 * Whether the work's outcome is counted on its group now: a new outcome, or one recorded before
 * without its group (`uncounted`).
 */
function counts(w: Work): boolean {
  if (w.stage === 'outcome' || w.stage === 'claimed') return true;
  const d = w.decision;
  return w.stage === 'retell' && d.kind === 'duplicate' && d.retell?.uncounted === true;
}

function linkOf(w: Work): DetailLink {
  if (w.view.link.state === 'missing') throw new Error('no link');
  return w.view.link.link;
}

/** The outcome a work records or re-tells; none before it is known. */
function outcomeOf(w: Work): NotifyOutcome | undefined {
  const d = w.decision;
  if (d.kind === 'outcome') return d.outcome;
  if (d.kind === 'duplicate' && d.retell) {
    const { templateId: _t, reported: _r, uncounted: _u, ...outcome } = d.retell;
    return outcome as NotifyOutcome;
  }
  if (d.kind === 'send') return w.delivery?.outcome;
  return undefined;
}

function resultOf(w: Work): NotifyResult {
  if (w.decision.kind === 'duplicate') return 'duplicate';
  return outcomeOf(w)?.status ?? 'failed';
}

/**
 * The send under both guards: the contact, the message, with Intercom's failures sorted into "nothing
 * was sent" (the guards go back and the job is retried, or its outcome is final) and "it may have
 * arrived" (never sent again).
 */
async function deliver(
  link: DetailLink,
  template: FixTemplate,
  { now, reply }: { now: number; reply: () => { text: ResponseText; by?: number } },
  batch: Batch,
): Promise<Delivery> {
  const { deps } = batch;
  let contact: Contact | undefined;
  try {
    contact = await batch.findUser(link.event.user);
  } catch (err) {
    if (err instanceof PermanentError) {
      return { handedOver: false, outcome: { status: 'failed', at: now, reason: err.message } };
    }
    return { handedOver: false, error: err }; // a lookup changes nothing: retrying it is always safe
  }
  if (!contact) return { handedOver: false, outcome: { status: 'not-in-intercom', at: now } };
  const choice = chooseChannel(template.channel, contact, now, deps.inappSeenWithinSeconds);
  // Nowhere to send it (an email to a contact without an address): final, and the guards go back.
  if ('unreachable' in choice)
    return { handedOver: false, outcome: { status: 'failed', at: now, reason: choice.unreachable } };

  // Rendered before the hand-over, so a template that does not render has sent nothing. A retry would
  // render the same way: the outcome is final and the thread is told. The reply it promises is worded
  // here too, at the time of the round (`response.*`), so no wording problem escapes this outcome.
  // Both guards go back, so a click may send the fixed template later.
  let body: string;
  // What a template that promises a reply promised, recorded with it: support answers by the same time.
  let promised: { promisedBy?: number } = {};
  try {
    const { text, by } = reply();
    if (template.promises && by !== undefined) promised = { promisedBy: by };
    body = template.render(templateContext(link.event, text));
  } catch (err) {
    const reason = `template "${template.id}" did not render: ${clip(reasonOf(err), RENDER_REASON_CHARS)}`;
    deps.log.error('fix template did not render', { reason });
    return { handedOver: false, outcome: { status: 'failed', at: now, reason } };
  }
  // chooseChannel picks email only for an email-capable template, whose type carries its subject.
  const message: OutgoingMessage =
    choice.channel === 'email' && template.channel !== 'inapp'
      ? { channel: 'email', subject: template.subject, body }
      : { channel: 'inapp', body };
  // What is recorded is what went out.
  const { channel } = message;
  try {
    const { messageId } = await deps.intercom.send(contact.id, message);
    // Sent: the cooldown runs from now, and the occurrence guard stays held for good.
    return {
      handedOver: true,
      outcome: { status: 'sent', at: deps.now(), contactId: contact.id, messageId, channel, ...promised },
    };
  } catch (err) {
    // It may have arrived (DeliveryUncertainError): never send it again.
    if (!refused(err))
      return {
        handedOver: true,
        outcome: { status: 'uncertain', at: now, reason: reasonOf(err), channel, ...promised },
      };
    // Intercom answered that it did not take the message: it may be sent again.
    if (err instanceof RetryableError) return { handedOver: false, error: err };
    return { handedOver: false, outcome: { status: 'failed', at: now, reason: err.message, channel } };
  }
}
