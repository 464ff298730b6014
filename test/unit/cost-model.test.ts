import { type CostInputs, costPerMillionEvents, PRICES } from '../../bench/cost';

/** 2 000 events; every expectation below is worked out by hand from these figures. */
const measured: CostInputs = {
  events: 2000,
  dynamo: { writeUnits: 9000, readUnits: 3000 }, // 4.5 WRU and 1.5 RRU per event
  sqs: { billedRequests: 1000 }, // 0.5 per event
  lambda: {
    triage: { invocations: 200, billedMs: 40_000, memoryMb: 1024 }, // 40 GB-s
    notify: { invocations: 50, billedMs: 10_000, memoryMb: 512 }, // 5 GB-s
    http: { invocations: 20, billedMs: 2_000, memoryMb: 512 }, // 1 GB-s
  },
  secrets: {
    eventsPerSecond: 200, // a million events in 5 000 s: 17 cache periods of 300 s begun
    functions: {
      triage: { secrets: 1, containers: 2 },
      notify: { secrets: 1, containers: 1 },
      http: { secrets: 2, containers: 3 },
    },
  },
  logs: { bytes: 200_000 }, // 100 bytes per event
};

describe('cost per million events', () => {
  const cost = costPerMillionEvents(measured);

  it('prices DynamoDB by request units: 4.5 M WRU × $0.625 + 1.5 M RRU × $0.125', () => {
    expect(cost.perMillion.writeUnits).toBeCloseTo(4_500_000, 6);
    expect(cost.perMillion.readUnits).toBeCloseTo(1_500_000, 6);
    expect(cost.perMillionEvents.dynamodb).toBeCloseTo(2.8125 + 0.1875, 10);
  });

  it('prices SQS per billed request: 500 000 × $0.40 per million', () => {
    expect(cost.perMillion.sqsRequests).toBeCloseTo(500_000, 6);
    expect(cost.perMillionEvents.sqs).toBeCloseTo(0.2, 10);
  });

  it('prices Lambda by GB-seconds at each memory size and by invocation', () => {
    // (40 + 5 + 1) GB-s per 2 000 events = 23 000 GB-s per million; 270 invocations → 135 000.
    expect(cost.perMillion.lambdaGbSeconds).toBeCloseTo(23_000, 6);
    expect(cost.perMillion.lambdaInvocations).toBeCloseTo(135_000, 6);
    expect(cost.perMillionEvents.lambda).toBeCloseTo(23_000 * 0.0000133334 + 0.027, 10);
  });

  it('prices Secrets Manager by cache periods, not events: 17 periods × 9 reads × $0.05 per 10 000', () => {
    // triage 1 secret × 2 containers + notify 1 × 1 + http 2 × 3 = 9 reads per period.
    expect(cost.perMillion.secretsCalls).toBe(153);
    expect(cost.perMillionEvents.secretsManager).toBeCloseTo(0.000765, 12);
  });

  it('prices log ingestion per GB, with 260 bytes of Lambda platform lines per invocation', () => {
    // (200 000 + 270 × 260) bytes per 2 000 events × 500 = 135 100 000 bytes per million.
    expect(cost.perMillion.logGb).toBeCloseTo(135_100_000 / 2 ** 30, 12);
    expect(cost.perMillionEvents.cloudwatchLogs).toBeCloseTo(0.0629108399, 9);
  });

  it('adds the services up and names the prices it used', () => {
    expect(cost.perMillionEvents.total).toBeCloseTo(3 + 0.2 + 0.3336682 + 0.000765 + 0.0629108399, 9);
    expect(cost.pricesSeen).toBe(PRICES.seen);
    expect(cost.region).toBe('us-east-1');
  });

  it('scales with the events measured: twice the figures for twice the events cost the same', () => {
    const doubled = costPerMillionEvents({
      ...measured,
      events: 4000,
      dynamo: { writeUnits: 18_000, readUnits: 6000 },
      sqs: { billedRequests: 2000 },
      lambda: Object.fromEntries(
        Object.entries(measured.lambda).map(([n, f]) => [
          n,
          { ...f, invocations: f.invocations * 2, billedMs: f.billedMs * 2 },
        ]),
      ),
      logs: { bytes: 400_000 },
    });
    expect(doubled.perMillionEvents.total).toBeCloseTo(cost.perMillionEvents.total, 10);
  });

  it('reads the secrets once per warm container per period, however few events: one period at least', () => {
    const fast = costPerMillionEvents({
      ...measured,
      secrets: { ...measured.secrets, eventsPerSecond: 1e7 },
    });
    expect(fast.perMillion.secretsCalls).toBe(9);
  });

  it('refuses figures without events', () => {
    expect(() => costPerMillionEvents({ ...measured, events: 0 })).toThrow('no events');
  });
});
