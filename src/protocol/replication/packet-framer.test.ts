import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BinsnapError } from '../../core/errors.js';
import { PacketFramer } from './packet-framer.js';

function packet(seq: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h.writeUIntLE(payload.length, 0, 3);
  h[3] = seq;
  return Buffer.concat([h, payload]);
}

describe('PacketFramer', () => {
  it('yields the same payloads however the stream is cut', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 0, maxLength: 300 }), { minLength: 1, maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 50 }),
        (payloads, cuts) => {
          const stream = Buffer.concat(payloads.map((p, i) => packet(i & 0xff, Buffer.from(p))));
          const framer = new PacketFramer();
          const out: Buffer[] = [];
          let pos = 0;
          let c = 0;
          while (pos < stream.length) {
            const n = cuts[c++ % cuts.length] as number;
            out.push(...framer.push(stream.subarray(pos, pos + n)));
            pos += n;
          }
          expect(out.map((b) => b.toString('hex'))).toEqual(payloads.map((p) => Buffer.from(p).toString('hex')));
        },
      ),
    );
  });

  it('joins a payload of 16 MiB and more sent as several packets', () => {
    const big = Buffer.alloc(0xffffff + 10, 7);
    big[0] = 0;
    big[big.length - 1] = 9;
    const sender = new PacketFramer();
    const wire = sender.frame(big);
    expect(wire.length).toBe(big.length + 8); // two packet headers
    const receiver = new PacketFramer();
    const out = [...receiver.push(wire.subarray(0, 1000)), ...receiver.push(wire.subarray(1000))];
    expect(out).toHaveLength(1);
    expect(out[0]?.equals(big)).toBe(true);
    // A payload of exactly 0xFFFFFF bytes is followed by an empty packet.
    const exact = new PacketFramer().frame(Buffer.alloc(0xffffff));
    expect(exact.length).toBe(0xffffff + 8);
    expect(new PacketFramer().push(exact)[0]?.length).toBe(0xffffff);
  });

  it('rejects packets out of sequence with a coded, transient error', () => {
    const f = new PacketFramer();
    f.push(packet(0, Buffer.from('a')));
    let err: unknown;
    try {
      f.push(packet(5, Buffer.from('b')));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BinsnapError);
    expect((err as BinsnapError).code).toBe('BINSNAP_E_SOURCE_PROTOCOL');
    expect((err as BinsnapError).transient).toBe(true);
  });
});
