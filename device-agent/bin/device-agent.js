#!/usr/bin/env node
// Development launcher: runs the TypeScript sources through tsx. Gateways run the single-file bundle instead
// (`npm run build -w device-agent` → dist/device-agent.mjs), which needs nothing but Node >= 20.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/entry.ts');
