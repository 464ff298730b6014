import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The console is one static page; it reads /console/state and renders it in the browser. */
export const CONSOLE_PAGE = readFileSync(join(__dirname, 'console.html'), 'utf8');
