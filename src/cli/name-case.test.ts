import { describe, expect, it } from 'vitest';
import { isBinsnapError } from '../core/errors.js';
import { MemoryStore } from '../store/memory-store.js';
import { NAME_CASE_META, nameCaseFor, storedTableName } from './name-case.js';

describe('nameCaseFor', () => {
  it('records a value the server or the flag gives, and refuses another one later', async () => {
    const store = new MemoryStore();
    expect(await nameCaseFor(store, { server: 1 })).toBe(1);
    expect(await store.getMeta(NAME_CASE_META)).toBe('1');
    expect(await nameCaseFor(store, {})).toBe(1);
    expect(await nameCaseFor(store, { flag: 1 })).toBe(1);
    const err = await nameCaseFor(store, { flag: 0 }).catch((e: unknown) => e);
    expect(isBinsnapError(err) && err.code).toBe('BINSNAP_E_SOURCE_NAME_CASE');
  });

  it('assumes 0 without recording it when neither the server nor the flag says', async () => {
    const store = new MemoryStore();
    expect(await nameCaseFor(store, {})).toBe(0);
    expect(await store.getMeta(NAME_CASE_META)).toBeNull();
    // A later replay that knows better is not refused.
    expect(await nameCaseFor(store, { flag: 1 })).toBe(1);
  });

  it('refuses a flag that contradicts the server', async () => {
    const err = await nameCaseFor(new MemoryStore(), { server: 0, flag: 1 }).catch((e: unknown) => e);
    expect(isBinsnapError(err) && err.code).toBe('BINSNAP_E_USAGE');
  });

  it('folds a table name for reading only when the store was written under 1', async () => {
    const folded = new MemoryStore();
    await nameCaseFor(folded, { server: 1 });
    expect(await storedTableName(folded, 'Shop.Orders')).toBe('shop.orders');
    const kept = new MemoryStore();
    await nameCaseFor(kept, { server: 2 });
    expect(await storedTableName(kept, 'Shop.Orders')).toBe('Shop.Orders');
    expect(await storedTableName(new MemoryStore(), 'Shop.Orders')).toBe('Shop.Orders');
  });
});
