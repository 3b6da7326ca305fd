/**
 * Runs one `binsnap` command in-process from the TypeScript sources (no build
 * needed), for profiling the replay:
 *
 *   node --cpu-prof --cpu-prof-dir .tmp/prof --import tsx benchmarks/replay/replay-once.ts replay --binlog-dir DIR --store X.db …
 *
 * `run.ts --keep DIR` prints the exact command per dataset. Summarise the
 * profile with profile-summary.ts.
 */
import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2), process.env);
