import { createReporter, type Reporter, type ReporterOptions } from '../../reporter';
import { RecordingServer } from './recording-server';

/**
 * A describe block's reporter tests against a recording server: before each test a new server and an
 * empty `errors`; `make` builds a reporter for the server (these defaults, then the test's own), and
 * the last one made is closed after the test, before the server.
 */
export function reporterAgainstRecordingServer(defaults: { batchSize: number; flushIntervalMs: number }) {
  const server = new RecordingServer();
  const errors: Error[] = [];
  let made: Reporter | undefined;
  beforeEach(async () => {
    await server.start();
    errors.length = 0;
  });
  afterEach(async () => {
    await made?.close(100);
    made = undefined;
    await server.close();
  });
  const make = (over: Partial<ReporterOptions> = {}): Reporter => {
    made = createReporter({
      endpoint: server.url,
      key: 'k'.repeat(20),
      app: 'billing',
      ...defaults,
      onError: (e) => errors.push(e),
      ...over,
    } as ReporterOptions);
    return made;
  };
  return { server, errors, make };
}
