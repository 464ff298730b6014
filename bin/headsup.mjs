#!/usr/bin/env node
// The `headsup` command (`npx headsup …`). Node cannot run bin/headsup.ts itself (before 22.18 it
// strips no types, and never resolves extensionless imports), so tsx is registered first, as
// `npm start` runs the same file through tsx. Both hooks: headsup.ts is CommonJS (the package has no
// "type": "module") and imports its commands' modules lazily.
import { register as registerCommonJs } from 'tsx/cjs/api';
import { register as registerEsm } from 'tsx/esm/api';

registerCommonJs();
registerEsm();
await import('./headsup.ts');
