/**
 * Splits the byte stream of a MySQL protocol connection into packet payloads
 * (pure). A packet is a 3-byte little-endian payload length, a 1-byte
 * sequence id, then the payload; a payload of 0xFFFFFF bytes continues in the
 * next packet (so a 16 MiB+ binlog event arrives as several packets and comes
 * out here as one payload). Also frames outgoing payloads the same way.
 *
 * MySQL source docs: "MySQL Packets" and "Sending more than 16 MiB".
 * Memory: holds at most the current (possibly multi-packet) payload plus one
 * incoming chunk; `maxPayload` bounds it against a corrupt length.
 */
import { BinsnapError } from '../../core/errors.js';

const MAX_PACKET = 0xffffff;

export class PacketFramer {
  private pending: Buffer[] = [];
  private pendingLen = 0;
  private parts: Buffer[] = [];
  private partsLen = 0;
  /** Sequence id of the next packet we expect to receive. */
  sequenceId = 0;

  constructor(private readonly maxPayload = 1024 * 1024 * 1024 + 64) {}

  /** Feeds a chunk and returns every payload it completes, in order. */
  push(chunk: Buffer): Buffer[] {
    this.pending.push(chunk);
    this.pendingLen += chunk.length;
    const out: Buffer[] = [];
    let buf = this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending, this.pendingLen);
    let pos = 0;
    while (buf.length - pos >= 4) {
      const len = buf.readUIntLE(pos, 3);
      if (buf.length - pos < 4 + len) break;
      const seq = buf[pos + 3] as number;
      if (seq !== this.sequenceId) {
        throw new BinsnapError('BINSNAP_E_SOURCE_PROTOCOL', `packet out of order: sequence id ${seq}, expected ${this.sequenceId}`, {});
      }
      this.sequenceId = (this.sequenceId + 1) & 0xff;
      const body = buf.subarray(pos + 4, pos + 4 + len);
      pos += 4 + len;
      if (this.partsLen + len > this.maxPayload) {
        throw new BinsnapError('BINSNAP_E_SOURCE_PROTOCOL', `packet payload larger than ${this.maxPayload} bytes`, {});
      }
      if (len === MAX_PACKET) {
        this.parts.push(Buffer.from(body));
        this.partsLen += len;
        continue;
      }
      if (this.parts.length > 0) {
        this.parts.push(body);
        out.push(Buffer.concat(this.parts, this.partsLen + len));
        this.parts = [];
        this.partsLen = 0;
      } else {
        out.push(body);
      }
    }
    if (pos === buf.length) {
      this.pending = [];
      this.pendingLen = 0;
    } else {
      // Copy the unfinished tail so the caller's chunk can be released.
      buf = Buffer.from(buf.subarray(pos));
      this.pending = [buf];
      this.pendingLen = buf.length;
    }
    return out;
  }

  /** Frames an outgoing payload as one or more packets, advancing the sequence id. */
  frame(payload: Buffer): Buffer {
    const packets: Buffer[] = [];
    let off = 0;
    for (;;) {
      const len = Math.min(MAX_PACKET, payload.length - off);
      const header = Buffer.alloc(4);
      header.writeUIntLE(len, 0, 3);
      header[3] = this.sequenceId;
      this.sequenceId = (this.sequenceId + 1) & 0xff;
      packets.push(header, payload.subarray(off, off + len));
      off += len;
      if (len < MAX_PACKET) break;
    }
    return Buffer.concat(packets);
  }

  /** A new command starts a new sequence. */
  resetSequence(): void {
    this.sequenceId = 0;
  }
}
