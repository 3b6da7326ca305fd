import { describe, expect, it } from 'vitest';
import { objectMaker } from './row-object.js';

describe('objectMaker', () => {
  it('builds the names in order with the values at their positions', () => {
    const make = objectMaker<unknown>(['id', 'name', 'k']);
    const o = make([7, 'x', null]);
    expect(o).toEqual({ id: 7, name: 'x', k: null });
    expect(Object.keys(o)).toEqual(['id', 'name', 'k']);
    // A new object per call.
    expect(make([1, 2, 3])).not.toBe(make([1, 2, 3]));
  });

  it('takes the values at the given indexes', () => {
    const make = objectMaker<unknown>(['b', 'a'], [2, 0]);
    expect(make(['A', 'unused', 'B'])).toEqual({ b: 'B', a: 'A' });
    expect(() => objectMaker(['a'], [0, 1])).toThrow(/one index per name/);
  });

  it('keeps any column name as a plain own property, __proto__ included, and runs no code from names', () => {
    const names = ['__proto__', 'constructor', 'a"b', 'c\\d', "e'f", 'g}; throw 1; ({', '\u2028\u2029', '`${x}`', ''];
    const make = objectMaker<unknown>(names);
    const values = names.map((_, i) => (i === 0 ? { polluted: true } : i));
    const o = make(values);
    expect(Object.getPrototypeOf(o)).toBe(Object.prototype);
    expect(Object.keys(o)).toEqual(names);
    names.forEach((n, i) => expect(Object.getOwnPropertyDescriptor(o, n)?.value).toBe(values[i]));
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('keeps undefined values (callers check that images are complete)', () => {
    const o = objectMaker<number>(['a', 'b'])([1, undefined]);
    expect('b' in o).toBe(true);
    expect(o['b']).toBeUndefined();
  });
});

describe('objectMaker without code generation from strings', () => {
  it('builds the same objects when the runtime refuses new Function', async () => {
    const { execFileSync } = await import('node:child_process');
    const script = `
      import { objectMaker } from ${JSON.stringify(new URL('./row-object.ts', import.meta.url).pathname)};
      const o = objectMaker(['__proto__', 'b', 'a'], [2, 0, 1])(['B', 'A', { x: 1 }]);
      let refused = false;
      try { new Function('return 1'); } catch { refused = true; }
      console.log(JSON.stringify([refused, Object.keys(o), Object.getPrototypeOf(o) === Object.prototype, o.b, o.a, Object.getOwnPropertyDescriptor(o, '__proto__').value]));
    `;
    const out = execFileSync(process.execPath, ['--disallow-code-generation-from-strings', '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    // new Function is refused there, so the object came from the fallback.
    expect(JSON.parse(out)).toEqual([true, ['__proto__', 'b', 'a'], true, 'B', 'A', { x: 1 }]);
  });
});
