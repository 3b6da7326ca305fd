/**
 * Row objects from arrays of column values, built by one object literal per
 * list of column names.
 *
 * A row image or a SELECT row arrives as an array; the store, the sinks and
 * the exports take `{ column: value }` objects. Filling an empty object
 * property by property costs a keyed store each, and the objects of a wide
 * table end in a slow representation; one literal with the names written out
 * costs about a tenth (measured: 15 columns, 1M rows, 430 → 30 ms) and gives
 * every row of the table the same fast shape, which the store's cell encoder
 * (a for…in over the row) walks faster too.
 *
 * Invariants:
 * - The object's own properties are `names`, in that order, the i-th holding
 *   `values[indexes[i]]` (`values[i]` without indexes), undefined included.
 * - A column named `__proto__` is an own property like any other (a computed
 *   key: the literal form `"__proto__": v` would set the prototype instead).
 * - Names are embedded as JSON string literals, which are JavaScript string
 *   literals: no name can inject code.
 */

/** Values may be typed with undefined (row images that can leave columns out): callers pass complete arrays. */
export type ObjectMaker<T> = (values: ArrayLike<T | undefined>) => Record<string, T>;

export function objectMaker<T>(names: readonly string[], indexes?: readonly number[]): ObjectMaker<T> {
  if (indexes !== undefined && indexes.length !== names.length) throw new Error('objectMaker: one index per name');
  const props = names.map((n, i) => `${n === '__proto__' ? `[${JSON.stringify(n)}]` : JSON.stringify(n)}: v[${indexes?.[i] ?? i}]`);
  try {
    // The body holds JSON string literals and integers only (see above).
    return new Function('v', `"use strict"; return { ${props.join(', ')} };`) as ObjectMaker<T>;
  } catch (err) {
    if (!(err instanceof EvalError)) throw err;
    // node --disallow-code-generation-from-strings: the same objects, property by property.
    return (v) => {
      const o: Record<string, T> = {};
      for (let i = 0; i < names.length; i++) setOwn(o, names[i]!, v[indexes?.[i] ?? i] as T);
      return o;
    };
  }
}

/** `o[name] = value` as an own data property, also for `__proto__` (whose assignment would set the prototype). */
export function setOwn<T>(o: Record<string, T>, name: string, value: T): void {
  if (name === '__proto__') Object.defineProperty(o, name, { value, enumerable: true, writable: true, configurable: true });
  else o[name] = value;
}

/** `o[name]` when it is an own property, else undefined (`o['__proto__']` would read the prototype). */
export function ownValue<T>(o: Readonly<Record<string, T>>, name: string): T | undefined {
  return Object.hasOwn(o, name) ? o[name] : undefined;
}
