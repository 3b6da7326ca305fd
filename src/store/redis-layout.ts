/**
 * Key layout and byte/text forms of the Redis store (see README "## Redis
 * layout"). Every key of one store starts with the hash tag `{prefix}:`, so
 * all of them live in one hash slot and every multi-key script is legal on
 * Redis Cluster (limit: one store = one slot = one node; run one store per
 * source database or shard to spread load).
 *
 *   {p}:meta            HASH  layout → "1"                                (the store exists)
 *   {p}:v               HASH  versionHex → table␀op␀keyHex␀valuesJson␀keyJson␀txnKey
 *   {p}:t:<table>       ZSET  score 0, member keyBytes ‖ versionHex ‖ opChar (ZRANGEBYLEX order
 *                             = key order, then version)
 *   {p}:tables          SET   table names with row versions
 *   {p}:tx              HASH  txnKey → {"c":commit,"s":start,"ts":ms,"g"?:gtid}
 *   {p}:txg             HASH  txnKey → gtid or "-" (the conflict rule's GTID)
 *   {p}:cpos            ZSET  score 0, member txnKey (lex order = commit position order)
 *   {p}:cts             ZSET  score commit ms, member txnKey (instant reads)
 *   {p}:sc              HASH  txnKey#seq → {"table","schema","ddl","kind"} (schema changes)
 *   {p}:scn:<table>     SET   schema change ids of one name
 *   {p}:sct             SET   names with schema changes
 *   {p}:ev              HASH  txnKey#seq → {"kind","table","to"?} (table events)
 *   {p}:evn:<name>      SET   event ids where the name is the table or the rename target
 *   {p}:cp              HASH  pos → positionHex, json → checkpoint
 *   {p}:docs            HASH  name → value: bookkeeping documents (getMeta/setMeta), written
 *                             outside the APPLY script, or by it with a streamed commit's
 *                             documents (an older binsnap ignores the key, so adding it kept
 *                             layout 1)
 *   {p}:s:<writer>      HASH  versionHex → table␀op␀keyHex␀valuesJson␀keyJson (staged rows)
 *   {p}:s:<writer>:m    HASH  versionHex → ZSET member of the staged row
 *
 * Hex forms are fixed width and lower case, so string order = numeric order:
 * a position is file (8 hex) ‖ offset (16 hex); a version is position ‖
 * rowIndex (8 hex); a txnKey is commitHex ‖ startHex.
 */
import type { BinlogPosition } from '../core/position.js';
import type { StoredOp } from './row-fold.js';
import type { RowVersionId } from './snapshot-store.js';

export const LAYOUT_VERSION = 1;
export const DEFAULT_REDIS_PREFIX = 'binsnap';

export function positionHex(fileNumber: number, offset: bigint): string {
  return fileNumber.toString(16).padStart(8, '0') + offset.toString(16).padStart(16, '0');
}

export function posHex(p: BinlogPosition): string {
  return positionHex(p.fileNumber, p.offset);
}

export function versionHex(v: RowVersionId): string {
  return positionHex(v.fileNumber, v.offset) + v.rowIndex.toString(16).padStart(8, '0');
}

export function decodeVersionHex(hex: string): RowVersionId {
  return { fileNumber: parseInt(hex.slice(0, 8), 16), offset: BigInt(`0x${hex.slice(8, 24)}`), rowIndex: parseInt(hex.slice(24, 32), 16) };
}

export const VERSION_HEX_LENGTH = 32;
/** versionHex and the op char after the key bytes of a ZSET member. */
export const MEMBER_SUFFIX = VERSION_HEX_LENGTH + 1;

const OP_CHARS: Record<StoredOp, string> = { upsert: 'u', delete: 'd', add: 'a', remove: 'r' };
const CHAR_OPS: Record<string, StoredOp> = { u: 'upsert', d: 'delete', a: 'add', r: 'remove' };

export function opChar(op: StoredOp): string {
  return OP_CHARS[op];
}

export function opOfChar(c: string): StoredOp | undefined {
  return CHAR_OPS[c];
}

export function member(keyBytes: Buffer, vhex: string, op: StoredOp): Buffer {
  return Buffer.concat([keyBytes, Buffer.from(vhex + OP_CHARS[op], 'latin1')]);
}

export class RedisKeys {
  /** `{prefix}:` — the hash tag every key shares. */
  readonly base: string;

  constructor(readonly prefix: string) {
    this.base = `{${prefix}}:`;
  }

  get meta(): string {
    return `${this.base}meta`;
  }
  get versions(): string {
    return `${this.base}v`;
  }
  table(name: string): string {
    return `${this.base}t:${name}`;
  }
  get tables(): string {
    return `${this.base}tables`;
  }
  get transactions(): string {
    return `${this.base}tx`;
  }
  get transactionGtids(): string {
    return `${this.base}txg`;
  }
  get commitsByPosition(): string {
    return `${this.base}cpos`;
  }
  get commitsByTime(): string {
    return `${this.base}cts`;
  }
  get schemas(): string {
    return `${this.base}sc`;
  }
  schemasOf(name: string): string {
    return `${this.base}scn:${name}`;
  }
  get schemaNames(): string {
    return `${this.base}sct`;
  }
  get events(): string {
    return `${this.base}ev`;
  }
  eventsOf(name: string): string {
    return `${this.base}evn:${name}`;
  }
  get checkpoint(): string {
    return `${this.base}cp`;
  }
  get documents(): string {
    return `${this.base}docs`;
  }
  staged(writer: string): string {
    return `${this.base}s:${writer}`;
  }
  stagedMembers(writer: string): string {
    return `${this.base}s:${writer}:m`;
  }
}

/**
 * The one write script: checks every row version, transaction GTID, schema
 * change and table event of the unit against what is stored (nothing is
 * written when one differs: the script returns "CONFLICT …" before its first
 * write), then writes all of them and the checkpoint (moved only forward),
 * and deletes the writer's staging hashes. Redis runs a script atomically, so
 * readers see all of a unit or none of it.
 *
 * KEYS: every key the script touches (for Cluster routing; all share the hash
 * tag). ARGV: base, stage id or "", checkpoint hex or "", checkpoint json,
 * #transactions, #rows, then per transaction: txnKey, gtid-or-"-", record,
 * commit ms, #schemas, #events, schemas (id, record, table), events (id,
 * record, #names, names…); then rows (versionHex, table, identity, keyJson,
 * member, txnKey). Staged rows take the first transaction's txnKey.
 */
export const APPLY_SCRIPT = `
local P = ARGV[1]
local stage = ARGV[2]
local cpHex = ARGV[3]
local cpJson = ARGV[4]
local nT = tonumber(ARGV[5])
local nR = tonumber(ARGV[6])
local i = 7
local Z = string.char(0)

local function gte(a, b)
  if a == b then return true end
  for j = 1, math.min(#a, #b) do
    local x, y = string.byte(a, j), string.byte(b, j)
    if x ~= y then return x > y end
  end
  return #a >= #b
end

local txs = {}
for t = 1, nT do
  local tx = { key = ARGV[i], gtid = ARGV[i + 1], rec = ARGV[i + 2], ts = ARGV[i + 3], schemas = {}, events = {} }
  local ns, ne = tonumber(ARGV[i + 4]), tonumber(ARGV[i + 5])
  i = i + 6
  for s = 1, ns do
    tx.schemas[s] = { id = ARGV[i], rec = ARGV[i + 1], table = ARGV[i + 2] }
    i = i + 3
  end
  for e = 1, ne do
    local nn = tonumber(ARGV[i + 2])
    local names = {}
    for k = 1, nn do names[k] = ARGV[i + 2 + k] end
    tx.events[e] = { id = ARGV[i], rec = ARGV[i + 1], names = names }
    i = i + 3 + nn
  end
  txs[t] = tx
end

local rows = {}
for r = 1, nR do
  rows[r] = { ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], ARGV[i + 5] }
  i = i + 6
end

-- Bookkeeping documents written with the unit: name, then '1' and the value, or '0' to remove it.
local docs = {}
local nD = tonumber(ARGV[i]) or 0
i = i + 1
for d = 1, nD do
  docs[d] = { ARGV[i], ARGV[i + 1], ARGV[i + 2] }
  i = i + 3
end

if stage ~= '' then
  local vals = redis.call('HGETALL', P .. 's:' .. stage)
  local mems = redis.call('HGETALL', P .. 's:' .. stage .. ':m')
  local memberOf = {}
  for k = 1, #mems, 2 do memberOf[mems[k]] = mems[k + 1] end
  for k = 1, #vals, 2 do
    local v = vals[k + 1]
    local first = string.find(v, Z, 1, true)
    local last = first
    while true do
      local f = string.find(v, Z, last + 1, true)
      if not f then break end
      last = f
    end
    local m = memberOf[vals[k]]
    if not m then return 'CORRUPT staged row ' .. vals[k] .. ' has no member' end
    rows[#rows + 1] = { vals[k], string.sub(v, 1, first - 1), string.sub(v, 1, last - 1), string.sub(v, last + 1), m, txs[1].key }
  end
end

for _, r in ipairs(rows) do
  local ex = redis.call('HGET', P .. 'v', r[1])
  if ex then
    local id = r[3] .. Z
    if string.sub(ex, 1, #id) ~= id then return 'CONFLICT row version ' .. r[1] .. ' is already stored with different content' end
  end
end
for _, tx in ipairs(txs) do
  local g = redis.call('HGET', P .. 'txg', tx.key)
  if g and g ~= tx.gtid then return 'CONFLICT the transaction ' .. tx.key .. ' is stored with another GTID' end
  for _, s in ipairs(tx.schemas) do
    local ex = redis.call('HGET', P .. 'sc', s.id)
    if ex and ex ~= s.rec then return 'CONFLICT schema change ' .. s.id .. ' differs from the stored one' end
  end
  for _, e in ipairs(tx.events) do
    local ex = redis.call('HGET', P .. 'ev', e.id)
    if ex and ex ~= e.rec then return 'CONFLICT table event ' .. e.id .. ' differs from the stored one' end
  end
end

for _, tx in ipairs(txs) do
  if redis.call('HSETNX', P .. 'tx', tx.key, tx.rec) == 1 then
    redis.call('HSET', P .. 'txg', tx.key, tx.gtid)
    redis.call('ZADD', P .. 'cpos', 0, tx.key)
    redis.call('ZADD', P .. 'cts', tx.ts, tx.key)
  end
  for _, s in ipairs(tx.schemas) do
    if redis.call('HSETNX', P .. 'sc', s.id, s.rec) == 1 then
      redis.call('SADD', P .. 'scn:' .. s.table, s.id)
      redis.call('SADD', P .. 'sct', s.table)
    end
  end
  for _, e in ipairs(tx.events) do
    if redis.call('HSETNX', P .. 'ev', e.id, e.rec) == 1 then
      for _, n in ipairs(e.names) do redis.call('SADD', P .. 'evn:' .. n, e.id) end
    end
  end
end
for _, r in ipairs(rows) do
  if redis.call('HSETNX', P .. 'v', r[1], r[3] .. Z .. r[4] .. Z .. r[6]) == 1 then
    redis.call('ZADD', P .. 't:' .. r[2], 0, r[5])
    redis.call('SADD', P .. 'tables', r[2])
  end
end
if cpHex ~= '' then
  local cur = redis.call('HGET', P .. 'cp', 'pos')
  if (not cur) or gte(cpHex, cur) then redis.call('HSET', P .. 'cp', 'pos', cpHex, 'json', cpJson) end
end
for _, d in ipairs(docs) do
  if d[2] == '1' then redis.call('HSET', P .. 'docs', d[1], d[3]) else redis.call('HDEL', P .. 'docs', d[1]) end
end
if stage ~= '' then redis.call('DEL', P .. 's:' .. stage, P .. 's:' .. stage .. ':m') end
return 'OK'
`;

/**
 * One page of a table read folded inside Redis (one lineage segment): walks
 * the table's ZSET in (key, version) order from ARGV[1] (`-` or `(member`),
 * keeps versions whose position lies in [from, to) and ≤ bound (position hex,
 * '' = no limit), folds each key as row-fold.ts does, and returns
 * `{ {versionHex, count, …}, cursor }` — the winning version and occurrence
 * count of every present key — stopping at a key boundary once ARGV[5] rows
 * were found or ARGV[6] members were scanned (cursor = last member of the
 * last key, or nil at the end). Only the winners cross the network.
 */
export const FOLD_SCRIPT = `
local key = KEYS[1]
local min = ARGV[1]
local from, to, bound = ARGV[2], ARGV[3], ARGV[4]
local want, maxScan = tonumber(ARGV[5]), tonumber(ARGV[6])
local chunk = 1000

-- Positions as exact numbers (file, offset high 32 bits, offset low 32 bits): compared without
-- Lua's locale-dependent string order and without a per-byte loop.
local function parts(hex)
  if hex == '' then return nil end
  return { tonumber(string.sub(hex, 1, 8), 16), tonumber(string.sub(hex, 9, 16), 16), tonumber(string.sub(hex, 17, 24), 16) }
end
local F, T, B = parts(from), parts(to), parts(bound)
local function cmp(a, b, c, q)
  if a ~= q[1] then return a < q[1] and -1 or 1 end
  if b ~= q[2] then return b < q[2] and -1 or 1 end
  if c ~= q[3] then return c < q[3] and -1 or 1 end
  return 0
end

local out = {}
local found, scanned = 0, 0
local curKey, count, ref = nil, 0, nil
local last = nil
while true do
  local page = redis.call('ZRANGEBYLEX', key, min, '+', 'LIMIT', 0, chunk)
  for _, m in ipairs(page) do
    local n = #m
    local k = string.sub(m, 1, n - 33)
    if k ~= curKey then
      if curKey ~= nil and count > 0 then
        out[#out + 1] = ref
        out[#out + 1] = count
        found = found + 1
      end
      if curKey ~= nil and (found >= want or scanned >= maxScan) then return { out, last } end
      curKey, count, ref = k, 0, nil
    end
    last = m
    scanned = scanned + 1
    local v = string.sub(m, n - 32, n - 1)
    local visible = true
    if F or T or B then
      local a, b, c = tonumber(string.sub(v, 1, 8), 16), tonumber(string.sub(v, 9, 16), 16), tonumber(string.sub(v, 17, 24), 16)
      visible = (not F or cmp(a, b, c, F) >= 0) and (not T or cmp(a, b, c, T) < 0) and (not B or cmp(a, b, c, B) <= 0)
    end
    if visible then
      local op = string.sub(m, n, n)
      if op == 'u' then count = 1; ref = v
      elseif op == 'd' then count = 0
      elseif op == 'a' then count = count + 1; ref = v
      elseif count > 0 then count = count - 1 end
    end
  end
  if #page < chunk then
    if curKey ~= nil and count > 0 then
      out[#out + 1] = ref
      out[#out + 1] = count
    end
    return { out, false }
  end
  min = '(' .. page[#page]
end
`;
