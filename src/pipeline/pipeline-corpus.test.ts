/**
 * The whole pipeline over the shared corpus of real binlogs (MySQL 4.0–9.x,
 * MariaDB 10–11; ../shared/fixtures/binlogs, skipped with a notice when absent),
 * each file replayed alone into a memory store with no initial schema. A file
 * either replays, or stops with a coded error a user can act on: tables whose
 * CREATE is not in the file (ROWS_UNKNOWN_TABLE / DDL_UNKNOWN_TABLE / a schema
 * mismatch), statement-based changes, or the decoder's documented defects.
 * Never an internal error or a crash; and a replayed file applied a second
 * time changes nothing (same versions, no conflict).
 */
import { describe, expect, it } from 'vitest';
import { isBinsnapError } from '../core/errors.js';
import { BinlogDecoder } from '../protocol/binlog/binlog-decoder.js';
import type { DecodedEvent } from '../protocol/binlog/events.js';
import type { SchemaLookup } from '../protocol/binlog/table-schema.js';
import { corpusAvailable, EXPECTED_FAILURES, loadFixture, loadManifest } from '../protocol/binlog/fixtures.test-util.js';
import { MemoryStore } from '../store/index.js';
import { emptyCatalog } from './ddl/index.js';
import { SILENT_LOG } from './pipeline-log.js';
import { runPipeline } from './pipeline.js';

const ACCEPTABLE = new Set([
  'BINSNAP_E_ROWS_UNKNOWN_TABLE',
  'BINSNAP_E_DDL_UNKNOWN_TABLE',
  'BINSNAP_E_DDL_SCHEMA_MISMATCH',
  'BINSNAP_E_SCHEMA_MISMATCH',
  'BINSNAP_E_STATEMENT_BASED_CHANGE',
  'BINSNAP_E_TRANSACTION_STRUCTURE',
  'BINSNAP_E_BINLOG_NO_TABLE_MAP',
  'BINSNAP_E_UNSUPPORTED_CHARSET',
]);

function events(buf: Buffer, schema: SchemaLookup): AsyncIterable<DecodedEvent> {
  return (async function* () {
    const d = new BinlogDecoder({ fileName: 'fixture.000001', schema, skipUnknownEvents: true });
    d.append(buf);
    for (let e = d.pull(); e !== undefined; e = d.pull()) yield e;
    d.end();
    for (let e = d.pull(); e !== undefined; e = d.pull()) yield e;
  })();
}

if (!corpusAvailable) console.log('pipeline corpus: ../shared/fixtures/binlogs is absent, skipped');

describe.skipIf(!corpusAvailable)('the pipeline over the shared binlog corpus', () => {
  it('replays every file or stops with an actionable coded error; replays are idempotent', async () => {
    const outcome = new Map<string, number>();
    const unexpected: string[] = [];
    let replayed = 0;
    for (const entry of loadManifest()) {
      if (entry.error !== undefined && EXPECTED_FAILURES[entry.file] === undefined) continue;
      const buf = loadFixture(entry.file);
      const store = new MemoryStore();
      const run = () => runPipeline({ store, events: (schema) => events(buf, schema), catalog: emptyCatalog(), log: SILENT_LOG, skipUnparseableDdl: true });
      try {
        const first = await run();
        const before = JSON.stringify(await store.tableStats());
        const second = await run();
        expect(second.rowChanges, entry.file).toBe(first.rowChanges);
        expect(JSON.stringify(await store.tableStats()), entry.file).toBe(before);
        replayed++;
        outcome.set('replayed', (outcome.get('replayed') ?? 0) + 1);
      } catch (err) {
        const code = isBinsnapError(err) ? err.code : `crash: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`;
        outcome.set(code, (outcome.get(code) ?? 0) + 1);
        const expected = EXPECTED_FAILURES[entry.file];
        // A defective file may stop earlier, at a statement-based change or an unknown table.
        if (code !== expected && !ACCEPTABLE.has(code)) unexpected.push(`${entry.file}: ${code}`);
        if (process.env['BINSNAP_CORPUS_VERBOSE'] && isBinsnapError(err)) console.log(entry.file, err.describe());
      }
    }
    console.log(`pipeline corpus: ${[...outcome].map(([k, n]) => `${k} ${n}`).join(', ')}`);
    expect(unexpected).toEqual([]);
    expect(replayed).toBeGreaterThanOrEqual(25);
  }, 120_000);
});
