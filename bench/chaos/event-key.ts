/**
 * How the run names an event: its producer's scope (app, environment) and its id. Stored detail items
 * are matched on the event they hold, so the count does not depend on how the table keys events.
 */
export function eventKey(event: { app?: unknown; environment?: unknown; id?: unknown }): string {
  return [String(event.app), String(event.environment ?? 'production'), String(event.id)].join('\u0000');
}
