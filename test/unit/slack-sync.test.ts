import {
  FLUSH_STALE_MS,
  nextSlackStep,
  POST_CLAIM_STALE_MS,
  SLACK_COALESCE_MS,
} from '../../functions/core/slack/sync';
import { sampleGroup } from '../support/samples';

const now = Date.UTC(2026, 10, 21, 10, 0);
const slack = { channel: 'C1', ts: '1.0' };

describe('nextSlackStep', () => {
  it('posts the parent of a new group', () => {
    expect(nextSlackStep(sampleGroup(), now)).toEqual({ kind: 'post-parent' });
  });

  it('waits for a parent someone else is posting, and takes over a stale claim', () => {
    const fresh = sampleGroup({ postClaim: { by: 'other', at: now - 1000 } });
    expect(nextSlackStep(fresh, now)).toEqual({ kind: 'defer', dueAt: now + SLACK_COALESCE_MS });
    const stale = sampleGroup({ postClaim: { by: 'other', at: now - POST_CLAIM_STALE_MS } });
    expect(nextSlackStep(stale, now)).toEqual({ kind: 'post-parent' });
  });

  it('does nothing when Slack already shows every occurrence', () => {
    expect(nextSlackStep(sampleGroup({ slack, count: 5, postedCount: 5, lastPostedAt: 0 }), now)).toEqual({
      kind: 'none',
    });
  });

  it('updates once the window has passed', () => {
    const group = sampleGroup({ slack, count: 9, postedCount: 5, lastPostedAt: now - SLACK_COALESCE_MS });
    expect(nextSlackStep(group, now)).toEqual({
      kind: 'update',
      previousPostedAt: now - SLACK_COALESCE_MS,
      previousCount: 5,
    });
  });

  it('defers to the end of the window, once', () => {
    const group = sampleGroup({ slack, count: 9, postedCount: 5, lastPostedAt: now - 3000 });
    expect(nextSlackStep(group, now)).toEqual({ kind: 'defer', dueAt: now + SLACK_COALESCE_MS - 3000 });
    expect(nextSlackStep({ ...group, flushDueAt: now + 7000 }, now)).toEqual({ kind: 'none' });
    // A flush that never ran (its message was lost) does not block updates for ever.
    expect(nextSlackStep({ ...group, flushDueAt: now - FLUSH_STALE_MS - 1 }, now).kind).toBe('defer');
  });

  it('waits for an update someone else is making, and takes over a stale one', () => {
    const group = sampleGroup({ slack, count: 9, postedCount: 5, lastPostedAt: now - SLACK_COALESCE_MS });
    const busy = { ...group, updateClaim: { by: 'other', at: now - 1000 } };
    expect(nextSlackStep(busy, now)).toEqual({ kind: 'defer', dueAt: now + SLACK_COALESCE_MS });
    const stale = { ...group, updateClaim: { by: 'other', at: now - POST_CLAIM_STALE_MS } };
    expect(nextSlackStep(stale, now).kind).toBe('update');
  });
});
