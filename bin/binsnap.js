#!/usr/bin/env node
// Entry point of the `binsnap` command; the program itself is built into dist/ and bundled into
// dist/bundle/ (`npm run build`; ADR 0022).
import { main } from '../dist/bundle/main.js';

// `binsnap dump … | head` closes the pipe early: that is a normal end, not a crash.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

process.exitCode = await main(process.argv.slice(2), process.env);
