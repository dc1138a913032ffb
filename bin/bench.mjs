#!/usr/bin/env node
// Runs the benchmark suites (bench/main.ts) from their TypeScript sources through tsx.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../bench/main.ts');
process.exit(await main(process.argv.slice(2)));
