import type { ErrorEvent } from '../event-schema';

/**
 * `response.*`: what the message may promise about a reply, worded at send time from the team file
 * and the group (core/oncall/response-text.ts), e.g. `within 3 hours`, `by Tue 09:00 your time`,
 * `our developer team`.
 */
export type ResponseText = { within: string; at: string; who: string };

/** Without a team file nothing is known of who answers when: no time is promised. */
export const UNKNOWN_RESPONSE: ResponseText = {
  within: 'as soon as we can',
  at: 'as soon as we can',
  who: 'our team',
};

/**
 * What a fix template can say: the values of one event, every key always present (empty when
 * unknown) so a template never renders "undefined", and the reply it may promise. The list of
 * variables `templates check` accepts is derived from this function, so the two cannot disagree.
 */
export function templateContext(event: ErrorEvent, response: ResponseText = UNKNOWN_RESPONSE) {
  const name = event.user?.name?.trim() ?? '';
  return {
    user: {
      name,
      firstName: name.split(/\s+/)[0] ?? '',
      email: event.user?.email ?? '',
      id: event.user?.id ?? '',
    },
    company: { name: event.company?.name ?? '', plan: event.company?.plan ?? '' },
    error: { type: event.error.type ?? '', code: event.error.code ?? '', message: event.error.message ?? '' },
    app: event.app,
    environment: event.environment,
    response: { within: response.within, at: response.at, who: response.who },
  };
}

export type TemplateContext = ReturnType<typeof templateContext>;

function leafPaths(value: object, prefix = ''): string[] {
  return Object.entries(value).flatMap(([key, v]) =>
    typeof v === 'object' && v !== null ? leafPaths(v, `${prefix}${key}.`) : [`${prefix}${key}`],
  );
}

/** `user.name`, `user.firstName`, …, `app`, `environment`, `response.within`, …. */
export const TEMPLATE_VARIABLES: readonly string[] = leafPaths(
  templateContext({ app: '', environment: '', level: 'error', error: {} }),
);
