/**
 * Classifies the payloads of a binlog dump stream (pure): a binlog event
 * (0x00 then the event bytes), the end of a non-blocking dump (EOF 0xFE,
 * short), or an error packet (0xFF, code, SQL state, message).
 *
 * MySQL source docs: "Binlog Network Stream", "ERR_Packet", "EOF_Packet".
 */
import { BinsnapError } from '../../core/errors.js';

export type DumpPayload =
  | { readonly kind: 'event'; readonly bytes: Buffer }
  | { readonly kind: 'eof' }
  | { readonly kind: 'error'; readonly code: number; readonly sqlState: string; readonly message: string };

export function classifyDumpPayload(p: Buffer): DumpPayload {
  const first = p[0];
  if (first === 0x00) return { kind: 'event', bytes: p.subarray(1) };
  if (first === 0xfe && p.length < 9) return { kind: 'eof' };
  if (first === 0xff) return parseErrorPacket(p);
  throw new BinsnapError('BINSNAP_E_SOURCE_PROTOCOL', `unexpected packet 0x${(first ?? 0).toString(16)} in the binlog stream`, {});
}

export function parseErrorPacket(p: Buffer): Extract<DumpPayload, { kind: 'error' }> {
  if (p.length < 3) return { kind: 'error', code: 0, sqlState: 'HY000', message: 'malformed error packet' };
  const code = p.readUInt16LE(1);
  let off = 3;
  let sqlState = 'HY000';
  if (p[off] === 0x23 /* # */ && p.length >= off + 6) {
    sqlState = p.toString('latin1', off + 1, off + 6);
    off += 6;
  }
  return { kind: 'error', code, sqlState, message: p.toString('utf8', off) };
}
