/** The error rows of a rendered Help Scout sidebar, each row's HTML. */
export const sidebarRows = (html: string) => html.split('<li class="c-sb-list-item">').slice(1);
