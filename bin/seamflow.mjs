#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx: one source of truth, no stale build output.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
