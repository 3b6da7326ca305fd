/**
 * The binlog event decoder's public surface. Pure decoding: bytes in, typed
 * events out (see binlog-decoder.ts for the framing invariants).
 */
export { BinlogDecoder, BINLOG_MAGIC, DEFAULT_MAX_EVENT_SIZE, type DecoderOptions } from './binlog-decoder.js';
export { EventType, EventFlag, eventTypeName, type EventTypeName } from './event-types.js';
export type * from './events.js';
export type { FormatDescription } from './format-description.js';
export type { SchemaColumn, SchemaLookup } from './table-schema.js';
export { crc32 } from './crc32.js';
