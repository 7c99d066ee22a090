#!/usr/bin/env node
// The `sluice-gateway` executable: runs bin/sluice-gateway.ts through tsx, so no build step is needed.
import { register } from 'tsx/esm/api';

register();
await import('./sluice-gateway.ts');
