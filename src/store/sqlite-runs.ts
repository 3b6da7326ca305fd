/**
 * Runs of version pages (layouts 3 to 5): how the embedded store keeps row versions.
 *
 * A run is a sequence of pages (sqlite-pages.ts) of one table id, sorted by
 * (key, version) across the run. Every write unit adds one run per table it
 * touched (a streamed transaction of millions of rows adds one every
 * FLUSH_ENTRIES); reads merge a table's runs. To keep reads from merging
 * thousands of small runs, runs are compacted size-tiered: a run's tier is
 * ⌊log_FANOUT(versions)⌋, and once FANOUT runs of one table share a tier
 * they are merged into one, which lands a tier higher — so a version is
 * rewritten about once per tier, O(log n) times in all. Runs whose key ranges do not overlap (sequential inserts) are
 * merged by re-linking their pages, without rewriting them.
 *
 * Compaction runs in steps after commits (`compactStep`, about STEP_VERSIONS
 * rewritten versions each); a larger merge is carried over several steps into
 * a run that nothing reads until its last step swaps it for its inputs.
 * Compaction moves versions between pages but never changes one, so any
 * read gives the same answer before and after; a read that spans several
 * statements (a table scan) runs in its own read transaction so it never
 * sees a run half moved.
 */
import type Database from 'better-sqlite3';
import { BinsnapError } from '../core/errors.js';
import {
  PAGE_BYTES,
  PageBuilder,
  compareEntryKeys,
  compareVersionBytes,
  VERSION_BYTES,
  corrupt,
  entryEnd,
  keyStart,
  pageCount,
  pageEntryAt,
  versionOffset,
} from './sqlite-pages.js';

export const FANOUT = 8;
export const TIER_BASE = 1;

/** Sizes of pages and tiers; tests make them tiny to get many pages, runs and merges from little data. */
export interface RunTuning {
  readonly pageBytes: number;
  readonly fanout: number;
  readonly tierBase: number;
  /**
   * Runs are rewritten by a merge only while their versions add up to at most this many, so a
   * store's largest runs stay side by side instead (reads merge them) and closing the store,
   * which finishes a merge under way, takes at most a couple of seconds. Re-linking is always done.
   */
  readonly maxMergeVersions: number;
  /**
   * Versions a compaction step rewrites after a commit. A larger merge is carried over the
   * following commits, this many versions at a time, into a run that reads do not see until it
   * is complete; so no commit is held back by a whole merge.
   */
  readonly stepVersions: number;
}

/** The largest merge that rewrites versions: about 2 s of work in all. */
export const MAX_MERGE_VERSIONS = 2_000_000;

/** Versions one compaction step rewrites: tens of milliseconds of work. */
export const STEP_VERSIONS = 20_000;

export const DEFAULT_TUNING: RunTuning = {
  pageBytes: PAGE_BYTES,
  fanout: FANOUT,
  tierBase: TIER_BASE,
  maxMergeVersions: MAX_MERGE_VERSIONS,
  stepVersions: STEP_VERSIONS,
};

/**
 * A merge carried over several commits is recorded in the tiers: the run it writes has tier
 * BUILDING_TIER (no read, lookup or merge sees it; its first_key holds the writing process's
 * pid until it is finished), and each of its inputs has its tier raised by CLAIMED (reads see
 * them as before, other merges leave them alone). One such merge exists per store at a time.
 */
export const BUILDING_TIER = -1;
export const CLAIMED = 1000;

export function tierOf(versions: number, t: RunTuning = DEFAULT_TUNING): number {
  let tier = 0;
  for (let n = Math.floor(versions / t.tierBase); n >= t.fanout; n = Math.floor(n / t.fanout)) tier++;
  return tier;
}

export interface RunRow {
  readonly run_id: number;
  readonly table_id: number;
  readonly tier: number;
  readonly versions: number;
  readonly lo: Buffer;
  readonly hi: Buffer;
  readonly first_key: Buffer;
  readonly last_key: Buffer;
}

/** Writes one page of a run: its row in version_pages, and its body. */
type InsertPage = (runId: number, seq: number, firstKey: Buffer, lastKey: Buffer, lo: Buffer, hi: Buffer, entries: number, body: Buffer) => void;

/**
 * Statements that read page bodies. Since layout 4 bodies are in page_bodies, apart from the
 * page's small row in version_pages: re-linking a page (a new run id and seq) then rewrites that
 * small row only. In layout 3 the body was a column of version_pages, and SQLite rewrote the
 * whole body whenever the new row's size differed (a run id or seq one byte longer), so
 * re-linked data was written again. The upgrade from layout 2 still writes layout-3 runs.
 */
export function pageSql(layout: number): {
  /** [page_id] → body */
  readonly bodyById: string;
  /** [run_id, seq] → body */
  readonly bodyAt: string;
  /** [run_id, hi, lo] → bodies of the run's pages whose versions may lie in [lo, hi] */
  readonly bodiesInRange: string;
} {
  if (layout <= 3) {
    return {
      bodyById: 'SELECT body FROM version_pages WHERE page_id = ?',
      bodyAt: 'SELECT body FROM version_pages WHERE run_id = ? AND seq = ?',
      bodiesInRange: 'SELECT body FROM version_pages WHERE run_id = ? AND hi >= ? AND lo <= ?',
    };
  }
  return {
    bodyById: 'SELECT body FROM page_bodies WHERE page_id = ?',
    bodyAt: 'SELECT b.body FROM version_pages p JOIN page_bodies b USING (page_id) WHERE p.run_id = ? AND p.seq = ?',
    bodiesInRange: 'SELECT b.body FROM version_pages p JOIN page_bodies b USING (page_id) WHERE p.run_id = ? AND p.hi >= ? AND p.lo <= ?',
  };
}

/** A merge carried over several commits: its input runs, its cursors, and the run it is writing. */
interface MergeJob {
  readonly tableId: number;
  readonly inputs: readonly RunRow[];
  readonly builder: RunBuilder;
  readonly steps: Generator<ScanStep>;
}

/** The write side: new runs, their pages, and compaction; on the writer connection. */
export class RunWrites {
  private job: MergeJob | null = null;
  private readonly selectBuilding: Database.Statement<[], { run_id: number; first_key: Buffer }>;
  private readonly claim: Database.Statement<[number]>;
  private readonly unclaimAll: Database.Statement<[]>;
  private readonly markOwner: Database.Statement<[Buffer, number]>;
  private readonly insertRun: Database.Statement<[number, number]>;
  private readonly finishRun: Database.Statement<[number, number, Buffer, Buffer, Buffer, Buffer, number]>;
  private readonly insertPage: InsertPage;
  private readonly runsOfTable: Database.Statement<[number], RunRow>;
  private readonly relink: Database.Statement<[number, number, number]>;
  private readonly deleteRun: Database.Statement<[number]>;
  private readonly deletePages: (runId: number) => void;
  private readonly pageOfRun: Database.Statement<[number, number], { body: Buffer }>;
  private readonly pagesInRun: Database.Statement<[number], number>;
  private readonly overlapping: Database.Statement<[Buffer, Buffer], RunRow>;
  private readonly pagesInRange: Database.Statement<[number, Buffer, Buffer], { body: Buffer }>;
  private readonly tierOfRun: Database.Statement<[number], number>;

  /** `layout`: the file's layout version (3 only while the upgrade from layout 2 writes its runs). */
  constructor(
    db: Database.Database,
    private readonly tuning: RunTuning = DEFAULT_TUNING,
    layout = 5,
  ) {
    const sql = pageSql(layout);
    this.insertRun = db.prepare("INSERT INTO version_runs (table_id, tier, versions, lo, hi, first_key, last_key) VALUES (?, ?, 0, x'', x'', x'', x'')");
    this.finishRun = db.prepare('UPDATE version_runs SET tier = ?, versions = ?, lo = ?, hi = ?, first_key = ?, last_key = ? WHERE run_id = ?');
    if (layout <= 3) {
      const insert = db.prepare<[number, number, Buffer, Buffer, Buffer, Buffer, number, Buffer]>(
        'INSERT INTO version_pages (run_id, seq, first_key, last_key, lo, hi, entries, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      );
      this.insertPage = (runId, seq, firstKey, lastKey, lo, hi, entries, body) => void insert.run(runId, seq, firstKey, lastKey, lo, hi, entries, body);
      const del = db.prepare<[number]>('DELETE FROM version_pages WHERE run_id = ?');
      this.deletePages = (runId) => void del.run(runId);
    } else {
      const insert = db.prepare<[number, number, Buffer, Buffer, Buffer, Buffer, number]>(
        'INSERT INTO version_pages (run_id, seq, first_key, last_key, lo, hi, entries) VALUES (?, ?, ?, ?, ?, ?, ?)',
      );
      const insertBody = db.prepare<[number | bigint, Buffer]>('INSERT INTO page_bodies (page_id, body) VALUES (?, ?)');
      this.insertPage = (runId, seq, firstKey, lastKey, lo, hi, entries, body) =>
        void insertBody.run(insert.run(runId, seq, firstKey, lastKey, lo, hi, entries).lastInsertRowid, body);
      const delBodies = db.prepare<[number]>('DELETE FROM page_bodies WHERE page_id IN (SELECT page_id FROM version_pages WHERE run_id = ?)');
      const del = db.prepare<[number]>('DELETE FROM version_pages WHERE run_id = ?');
      this.deletePages = (runId) => {
        delBodies.run(runId);
        del.run(runId);
      };
    }
    this.runsOfTable = db.prepare(`SELECT * FROM version_runs WHERE table_id = ? AND tier >= 0 AND tier < ${CLAIMED} ORDER BY run_id`);
    this.selectBuilding = db.prepare(`SELECT run_id, first_key FROM version_runs WHERE tier = ${BUILDING_TIER}`);
    this.claim = db.prepare(`UPDATE version_runs SET tier = tier + ${CLAIMED} WHERE run_id = ?`);
    this.unclaimAll = db.prepare(`UPDATE version_runs SET tier = tier - ${CLAIMED} WHERE tier >= ${CLAIMED}`);
    this.markOwner = db.prepare('UPDATE version_runs SET first_key = ? WHERE run_id = ?');
    this.relink = db.prepare('UPDATE version_pages SET run_id = ?, seq = seq + ? WHERE run_id = ?');
    this.deleteRun = db.prepare('DELETE FROM version_runs WHERE run_id = ?');
    this.pageOfRun = db.prepare(sql.bodyAt);
    this.pagesInRun = db.prepare<[number], number>('SELECT count(*) FROM version_pages WHERE run_id = ?').pluck();
    this.overlapping = db.prepare('SELECT * FROM version_runs WHERE hi >= ? AND lo <= ? AND tier >= 0');
    this.pagesInRange = db.prepare(sql.bodiesInRange);
    this.tierOfRun = db.prepare<[number], number>('SELECT tier FROM version_runs WHERE run_id = ?').pluck();
  }

  /** Starts a run of `tableId`; entries must be added in (key, version) order. */
  begin(tableId: number, building = false, insertPage: InsertPage = this.insertPage): RunBuilder {
    const runId = Number(this.insertRun.run(tableId, building ? BUILDING_TIER : 0).lastInsertRowid);
    return new RunBuilder(runId, insertPage, this.finishRun, this.tuning);
  }

  /** Drops the merge under way (after a failed step): what it wrote goes, its inputs stay. */
  dropUnfinished(): void {
    this.job = null;
    this.dropBuilding();
  }

  private dropBuilding(): void {
    this.dropRuns(this.selectBuilding.all());
    this.unclaimAll.run();
  }

  /** Whether a merge is under way (it goes on at the next compaction steps). */
  get merging(): boolean {
    return this.job !== null;
  }

  /**
   * Whether this process may start a merge carried over several commits: none is recorded, or the
   * recorded one's process is gone (a crash), in which case what it wrote is dropped first.
   */
  private mayStartMerge(): boolean {
    const building = this.selectBuilding.all();
    if (building.length === 0) return true;
    const pid = Number(building[0]?.first_key.toString('latin1'));
    if (pid !== process.pid && isAlive(pid)) return false;
    this.dropBuilding();
    return true;
  }

  /**
   * One compaction step: goes on with the merge under way, then merges runs of `tables` while
   * FANOUT of a table share a tier, rewriting about `budget` versions. Runs whose key ranges
   * follow each other are re-linked (nothing rewritten); a merge that fits what is left of the
   * budget is made at once; a larger one becomes the merge under way (one at a time), carried
   * over the next steps. Returns the tables with nothing left to merge.
   */
  compactStep(tables: Iterable<number>, budget: number = this.tuning.stepVersions): number[] {
    const done: number[] = [];
    let left = budget;
    if (this.job !== null) left = this.advance(left);
    let mayStart: boolean | undefined;
    for (const tableId of tables) {
      for (;;) {
        // Runs a merge under way has claimed are not among these.
        const group = this.groupToMerge(tableId);
        if (group === undefined) {
          done.push(tableId);
          break;
        }
        if (disjointRuns(group)) {
          this.relinkRuns(tableId, group);
          continue;
        }
        const versions = versionsOf(group);
        if (versions <= left) {
          this.rewriteRuns(tableId, group);
          left -= versions;
          continue;
        }
        if (this.job !== null || left <= 0) break;
        mayStart ??= this.mayStartMerge();
        if (!mayStart) break;
        this.startMerge(tableId, group, this.insertPage);
        left = this.advance(left);
        if (this.job !== null) break;
      }
    }
    return done;
  }

  /** Merges `runs` into one run at once. */
  private rewriteRuns(tableId: number, runs: readonly RunRow[]): void {
    const ordered = byFirstKey(runs);
    const builder = this.begin(tableId);
    for (const step of mergeCursors(this.cursorsOf(ordered))) builder.add(step.page, step.at, entryEnd(step.page, step.at));
    builder.finish();
    this.dropRuns(ordered);
  }

  /**
   * Records a merge of `group` carried over several steps: the run it writes (tier BUILDING_TIER,
   * owned by this process's pid; its pages go through `insertPage`), its inputs claimed.
   */
  private startMerge(tableId: number, group: readonly RunRow[], insertPage: InsertPage): void {
    const ordered = byFirstKey(group);
    const builder = this.begin(tableId, true, insertPage);
    this.markOwner.run(Buffer.from(String(process.pid), 'latin1'), builder.runId);
    for (const r of ordered) this.claim.run(r.run_id);
    this.job = { tableId, inputs: ordered, builder, steps: mergeCursors(this.cursorsOf(ordered)) };
  }

  private cursorsOf(runs: readonly RunRow[]): RunCursor[] {
    return runs.map((r) => new RunCursor((seq) => this.pageOfRun.get(r.run_id, seq)?.body));
  }

  /** Deletes runs and their pages (the inputs of a finished merge, or a dropped one's output). */
  private dropRuns(runs: readonly { readonly run_id: number }[]): void {
    for (const r of runs) {
      this.deletePages(r.run_id);
      this.deleteRun.run(r.run_id);
    }
  }

  // ── background compaction (sqlite-compactor.ts): a connection of its own, on its own thread ──

  /**
   * One unit of background compaction over `tables` (drops the tables with nothing left to
   * merge): a re-link, the start of a merge, or up to `budget` versions of the merge under way.
   * Unlike compactStep, the input pages are read and merged outside any write transaction; only
   * the short writes go through `write` (an immediate SQLite transaction), so the main writer's
   * commits wait for at most one batch of page inserts. Returns false when there was nothing to do.
   */
  backgroundUnit(tables: Set<number>, budget: number, write: <T>(fn: () => T) => T): boolean {
    if (this.job !== null) {
      this.advanceBuffered(budget, write);
      return true;
    }
    for (const tableId of tables) {
      const group = this.groupToMerge(tableId);
      if (group === undefined) {
        tables.delete(tableId);
        continue;
      }
      return write(() => {
        // Planned outside the transaction: go on only if the runs are still there, unclaimed.
        if (!group.every((r) => this.tierOfRun.get(r.run_id) === r.tier)) return false;
        if (disjointRuns(group)) {
          this.relinkRuns(tableId, group);
          return true;
        }
        if (!this.mayStartMerge()) return false;
        // Its pages wait in memory until the unit's write transaction (advanceBuffered).
        const pending = this.pendingPages;
        this.startMerge(tableId, group, (...page) => void pending.push(page));
        return true;
      });
    }
    return false;
  }

  /** Pages a background merge has built and not yet written. */
  private readonly pendingPages: Parameters<InsertPage>[] = [];

  /** Advances the merge under way by up to `budget` versions, reading outside a transaction, then writes the pages built. */
  private advanceBuffered(budget: number, write: <T>(fn: () => T) => T): void {
    const job = this.job as MergeJob;
    let n = 0;
    let finished = false;
    while (n < budget) {
      const r = job.steps.next();
      if (r.done === true) {
        finished = true;
        break;
      }
      job.builder.add(r.value.page, r.value.at, entryEnd(r.value.page, r.value.at));
      n++;
    }
    write(() => {
      // Another writer dropped this merge (its process looked gone): leave everything to it.
      if (this.tierOfRun.get(job.builder.runId) !== BUILDING_TIER || !job.inputs.every((r) => this.tierOfRun.get(r.run_id) === r.tier + CLAIMED)) {
        this.pendingPages.length = 0;
        this.job = null;
        return;
      }
      if (finished) job.builder.finish();
      for (const page of this.pendingPages) this.insertPage(...page);
      this.pendingPages.length = 0;
      if (finished) {
        this.dropRuns(job.inputs);
        this.job = null;
      }
    });
  }

  /** Drops the background merge under way (closing): what it wrote goes, its inputs stay. */
  dropBackgroundMerge(write: <T>(fn: () => T) => T): void {
    if (this.job === null) return;
    this.pendingPages.length = 0;
    this.job = null;
    write(() => this.dropBuilding());
  }

  /** Finishes the merge under way, whatever it costs (closing the store). */
  finishMerge(): void {
    while (this.job !== null) this.advance(Number.MAX_SAFE_INTEGER);
  }

  /** Writes up to `budget` versions of the merge under way, finishing it when its inputs are used up; returns the budget left. */
  private advance(budget: number): number {
    const job = this.job as MergeJob;
    let n = 0;
    while (n < budget) {
      const r = job.steps.next();
      if (r.done === true) {
        job.builder.finish();
        this.dropRuns(job.inputs);
        this.job = null;
        return budget - n;
      }
      const step = r.value;
      job.builder.add(step.page, step.at, entryEnd(step.page, step.at));
      n++;
    }
    return 0;
  }

  private groupToMerge(tableId: number): RunRow[] | undefined {
    const byTier = new Map<number, RunRow[]>();
    for (const r of this.runsOfTable.all(tableId)) {
      const list = byTier.get(r.tier) ?? [];
      list.push(r);
      byTier.set(r.tier, list);
    }
    return [...byTier.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([, list]) => list.slice(0, this.tuning.fanout))
      .find((list) => list.length >= this.tuning.fanout && (disjointRuns(list) || versionsOf(list) <= this.tuning.maxMergeVersions));
  }

  /** Runs of any table holding versions in [lo, hi] (by their bounds). */
  runsOverlapping(lo: Buffer, hi: Buffer): RunRow[] {
    return this.overlapping.all(lo, hi);
  }

  /** Page bodies of a run whose versions may lie in [lo, hi]. */
  pagesOverlapping(runId: number, lo: Buffer, hi: Buffer): Buffer[] {
    return this.pagesInRange.all(runId, lo, hi).map((r) => r.body);
  }

  /** Merges runs whose key ranges follow each other into one, by re-linking their pages (nothing is rewritten). */
  private relinkRuns(tableId: number, runs: readonly RunRow[]): void {
    const ordered = byFirstKey(runs);
    const target = Number(this.insertRun.run(tableId, 0).lastInsertRowid);
    let seq = 0;
    let lo: Buffer | null = null;
    let hi: Buffer | null = null;
    for (const r of ordered) {
      const pages = Number(this.pagesInRun.get(r.run_id));
      // seq values of a run are 0..pages-1; shifting them by the pages before keeps (run, seq) unique.
      this.relink.run(target, seq, r.run_id);
      seq += pages;
      if (lo === null || Buffer.compare(r.lo, lo) < 0) lo = r.lo;
      if (hi === null || Buffer.compare(r.hi, hi) > 0) hi = r.hi;
      this.deleteRun.run(r.run_id);
    }
    const first = ordered[0] as RunRow;
    const last = ordered[ordered.length - 1] as RunRow;
    const versions = versionsOf(ordered);
    this.finishRun.run(tierOf(versions, this.tuning), versions, lo as Buffer, hi as Buffer, first.first_key, last.last_key, target);
  }
}

/** Whether process `pid` of this host is running (a store's processes share its host: SQLite's WAL needs that). */
function isAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function byFirstKey(runs: readonly RunRow[]): RunRow[] {
  return [...runs].sort((a, b) => Buffer.compare(a.first_key, b.first_key) || Buffer.compare(a.lo, b.lo));
}

/** Whether the runs' key ranges follow each other (merged by re-linking pages). */
function disjointRuns(runs: readonly RunRow[]): boolean {
  const ordered = byFirstKey(runs);
  return ordered.every((r, i) => i === 0 || Buffer.compare((ordered[i - 1] as RunRow).last_key, r.first_key) < 0);
}

function versionsOf(runs: readonly RunRow[]): number {
  return runs.reduce((n, r) => n + r.versions, 0);
}

/** Cuts entries given in (key, version) order into the pages of one run. */
export class RunBuilder {
  private readonly page: PageBuilder;
  private seq = 0;
  private versions = 0;
  private firstKey: Buffer | null = null;
  private lastKey: Buffer | null = null;
  private lo: Buffer | null = null;
  private hi: Buffer | null = null;
  private prevBuf: Buffer | null = null;
  private prevStart = 0;

  constructor(
    readonly runId: number,
    private readonly insertPage: InsertPage,
    private readonly finishRun: Database.Statement<[number, number, Buffer, Buffer, Buffer, Buffer, number]>,
    private readonly tuning: RunTuning,
  ) {
    this.page = new PageBuilder(tuning.pageBytes);
  }

  /** One entry: bytes [start, end) of `buf`; an entry whose key sorts before the previous one's is an internal error. */
  add(buf: Buffer, start: number, end: number): void {
    if (this.prevBuf !== null && compareEntryKeys(buf, start, this.prevBuf, this.prevStart) < 0) {
      throw new BinsnapError('BINSNAP_E_INTERNAL', 'version page entries out of key order');
    }
    this.prevBuf = buf;
    this.prevStart = start;
    this.addSorted(buf, start, end);
  }

  /** add without the order check, for a caller that has just sorted (or checked the order of) what it adds. */
  addSorted(buf: Buffer, start: number, end: number): void {
    this.page.add(buf, start, end);
    this.versions++;
    if (this.page.full) this.writePage();
  }

  finish(): void {
    if (this.page.count > 0) this.writePage();
    if (this.versions === 0 || this.firstKey === null || this.lastKey === null || this.lo === null || this.hi === null) {
      throw new BinsnapError('BINSNAP_E_INTERNAL', 'an empty run of versions');
    }
    this.finishRun.run(tierOf(this.versions, this.tuning), this.versions, this.lo, this.hi, this.firstKey, this.lastKey, this.runId);
  }

  private writePage(): void {
    const p = this.page.take();
    this.insertPage(this.runId, this.seq++, p.firstKey, p.lastKey, p.lo, p.hi, p.entries, p.body);
    if (this.firstKey === null) this.firstKey = p.firstKey;
    this.lastKey = p.lastKey;
    if (this.lo === null || Buffer.compare(p.lo, this.lo) < 0) this.lo = p.lo;
    if (this.hi === null || Buffer.compare(p.hi, this.hi) > 0) this.hi = p.hi;
  }
}

/** One entry of a merged scan: its page, offset, and key (latin1). */
export interface ScanStep {
  readonly page: Buffer;
  readonly at: number;
  readonly key: string;
}

/** The body of page `seq` of a run (pages are numbered 0, 1, … in key order), or undefined past the last. */
export type PageFetcher = (seq: number) => Buffer | undefined;

/** Versions a cursor keeps: ≥ lo, < hi and ≤ upTo (blobs compared as SQLite does, sqlite-codec.ts). */
export interface VersionFilter {
  readonly lo: Buffer;
  readonly hi: Buffer;
  readonly upTo: Buffer;
}

/** Whether a run's versions may meet the filter, and whether all of them do. */
export function runAgainst(run: Pick<RunRow, 'lo' | 'hi'>, f: VersionFilter): 'none' | 'some' | 'all' {
  if (Buffer.compare(run.hi, f.lo) < 0 || Buffer.compare(run.lo, f.hi) >= 0 || Buffer.compare(run.lo, f.upTo) > 0) return 'none';
  if (Buffer.compare(run.lo, f.lo) >= 0 && Buffer.compare(run.hi, f.hi) < 0 && Buffer.compare(run.hi, f.upTo) <= 0) return 'all';
  return 'some';
}

/** Whether the version at `v` of `page` passes the filter. */
export function passes(page: Buffer, v: number, f: VersionFilter): boolean {
  const end = v + VERSION_BYTES;
  return (
    page.compare(f.lo, 0, f.lo.length, v, end) >= 0 &&
    page.compare(f.hi, 0, f.hi.length, v, end) < 0 &&
    page.compare(f.upTo, 0, f.upTo.length, v, end) <= 0
  );
}

/**
 * Walks the entries of one run's pages in (key, version) order, one page in memory at a time,
 * skipping versions the filter (if any) leaves out.
 */
export class RunCursor {
  page: Buffer | null = null;
  at = 0;
  key = '';
  /** Offset of the current entry's version bytes. */
  versionAt = 0;
  private index = 0;
  private count = 0;
  private seq = 0;

  constructor(
    private readonly fetch: PageFetcher,
    private readonly filter: VersionFilter | null = null,
  ) {
    this.advancePage();
    this.skip();
  }

  get done(): boolean {
    return this.page === null;
  }

  /** Moves to the next entry. */
  next(): void {
    this.step();
    this.skip();
  }

  private step(): void {
    this.index++;
    if (this.index < this.count) this.load();
    else this.advancePage();
  }

  private skip(): void {
    const f = this.filter;
    if (f === null) return;
    while (this.page !== null && !passes(this.page, this.versionAt, f)) this.step();
  }

  private advancePage(): void {
    for (;;) {
      const body = this.fetch(this.seq++);
      if (body === undefined) {
        this.page = null;
        return;
      }
      const count = pageCount(body);
      if (count === 0) continue;
      this.page = body;
      this.count = count;
      this.index = 0;
      this.load();
      return;
    }
  }

  private load(): void {
    const page = this.page as Buffer;
    this.at = pageEntryAt(page, this.index);
    if (this.at + 1 > page.length) throw corrupt('an entry offset beyond its page');
    const k = keyStart(page, this.at);
    const v = versionOffset(page, this.at);
    if (!(v <= page.length)) throw corrupt('an entry key beyond its page');
    this.key = page.toString('latin1', k, v);
    this.versionAt = v;
  }

  /** Compares this cursor's current entry with another's: key, then version. */
  compare(o: RunCursor): number {
    if (this.key !== o.key) return this.key < o.key ? -1 : 1;
    const a = this.page as Buffer;
    const b = o.page as Buffer;
    return compareVersionBytes(a, this.versionAt, b, o.versionAt);
  }
}

/** Merges run cursors into one (key, version) order (a binary heap on the cursors' current entries). */
export function* mergeCursors(cursors: readonly RunCursor[]): Generator<ScanStep> {
  const heap = cursors.filter((c) => !c.done);
  if (heap.length === 1) {
    const c = heap[0] as RunCursor;
    while (!c.done) {
      yield { page: c.page as Buffer, at: c.at, key: c.key };
      c.next();
    }
    return;
  }
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) siftDown(heap, i);
  while (heap.length > 0) {
    const top = heap[0] as RunCursor;
    yield { page: top.page as Buffer, at: top.at, key: top.key };
    top.next();
    if (top.done) {
      const last = heap.pop() as RunCursor;
      if (heap.length === 0) return;
      heap[0] = last;
    }
    siftDown(heap, 0);
  }
}

function siftDown(heap: RunCursor[], i: number): void {
  const n = heap.length;
  const item = heap[i] as RunCursor;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= n) break;
    const r = l + 1;
    const child = r < n && (heap[r] as RunCursor).compare(heap[l] as RunCursor) < 0 ? r : l;
    if ((heap[child] as RunCursor).compare(item) >= 0) break;
    heap[i] = heap[child] as RunCursor;
    i = child;
  }
  heap[i] = item;
}
