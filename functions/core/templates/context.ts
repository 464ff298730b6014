import type { ErrorEvent } from '../event-schema';

/**
 * What a fix template can say: the values of one event, every key always present (empty when
 * unknown) so a template never renders "undefined". The list of variables `templates check` accepts
 * is derived from this function, so the two cannot disagree.
 */
export function templateContext(event: ErrorEvent) {
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
  };
}

export type TemplateContext = ReturnType<typeof templateContext>;

function leafPaths(value: object, prefix = ''): string[] {
  return Object.entries(value).flatMap(([key, v]) =>
    typeof v === 'object' && v !== null ? leafPaths(v, `${prefix}${key}.`) : [`${prefix}${key}`],
  );
}

/** `user.name`, `user.firstName`, …, `app`, `environment`. */
export const TEMPLATE_VARIABLES: readonly string[] = leafPaths(
  templateContext({ app: '', environment: '', level: 'error', error: {} }),
);
