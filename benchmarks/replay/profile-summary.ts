/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): the top functions by
 * self time, and by inclusive ("total") time, as markdown tables.
 *
 *   npx tsx benchmarks/replay/profile-summary.ts FILE.cpuprofile [--top 15]
 *
 * Functions are grouped by name + file + line; paths are shown relative to the
 * repository (node_modules and node: internals shortened). "(garbage
 * collector)", "(program)" and "(idle)" are V8's own buckets.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const { values: opts, positionals } = parseArgs({ options: { top: { type: 'string', default: '15' } }, allowPositionals: true });
const top = Number(opts.top);
const cwd = process.cwd();

function where(f: CallFrame): string {
  if (f.url === '') return '';
  let u = f.url.replace(/^file:\/\//, '');
  const nm = u.lastIndexOf('node_modules/');
  if (nm >= 0) u = u.slice(nm + 'node_modules/'.length);
  else if (u.startsWith('/')) u = path.relative(cwd, u);
  return `${u}:${f.lineNumber + 1}`;
}

for (const file of positionals) {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of p.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  // Self time per node from the samples (each sample's delta is the time up to it).
  const selfUs = new Map<number, number>();
  let totalUs = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i + 1] ?? 0;
    const id = p.samples[i] as number;
    selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
    totalUs += dt;
  }
  const key = (n: ProfileNode): string => `${n.callFrame.functionName || '(anonymous)'}\t${where(n.callFrame)}`;
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id) as ProfileNode;
    self.set(key(n), (self.get(key(n)) ?? 0) + us);
    // Inclusive: count each function once per sample stack (recursion-safe).
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const k = key(byId.get(cur) as ProfileNode);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + us);
    }
  }
  const table = (title: string, m: Map<string, number>): string => {
    const rows = [...m].sort((a, b) => b[1] - a[1]).slice(0, top);
    const out = [`${title}`, '', '| # | function | where | ms | % |', '|---:|---|---|---:|---:|'];
    rows.forEach(([k, us], i) => {
      const [fn, loc] = k.split('\t');
      out.push(`| ${i + 1} | \`${fn}\` | ${loc} | ${(us / 1000).toFixed(0)} | ${((100 * us) / totalUs).toFixed(1)} |`);
    });
    return out.join('\n');
  };
  console.log(`## ${path.basename(file)}: ${(totalUs / 1e6).toFixed(2)} s sampled\n`);
  console.log(table(`Top ${top} by self time`, self));
  console.log('');
  console.log(table(`Top ${top} by inclusive time`, inclusive));
  console.log('');
}
