#!/usr/bin/env node
// The `sluice` executable: runs bin/sluice.ts through tsx, so no build step is needed.
import { register } from 'tsx/esm/api';

register();
await import('./sluice.ts');
