/** Test-only encoder for MySQL packed DECIMAL (layout in ../decimal.ts). */
const DIG2BYTES = [0, 1, 1, 2, 2, 3, 3, 4, 4, 4] as const;

/** Encodes the exact decimal text (e.g. "-12.50") as DECIMAL(precision, scale). */
export function encodeDecimal(text: string, precision: number, scale: number): Buffer {
  const negative = text.startsWith('-');
  const [intRaw = '', fracRaw = ''] = (negative ? text.slice(1) : text).split('.');
  const intg = precision - scale;
  const intDigits = intRaw.padStart(intg, '0');
  const fracDigits = fracRaw.padEnd(scale, '0');
  if (intDigits.length > intg || fracDigits.length > scale) throw new Error(`${text} does not fit DECIMAL(${precision},${scale})`);
  const bytes: number[] = [];
  const put = (digits: string): void => {
    if (digits.length === 0) return;
    const n = DIG2BYTES[digits.length]!;
    let v = Number(digits);
    const group: number[] = [];
    for (let i = 0; i < n; i++) {
      group.unshift(v % 256);
      v = Math.floor(v / 256);
    }
    bytes.push(...group);
  };
  const lead = intg % 9;
  put(intDigits.slice(0, lead));
  for (let i = lead; i < intg; i += 9) put(intDigits.slice(i, i + 9));
  const fullFrac = scale - (scale % 9);
  for (let i = 0; i < fullFrac; i += 9) put(fracDigits.slice(i, i + 9));
  put(fracDigits.slice(fullFrac));
  const out = Buffer.from(bytes);
  if (negative) for (let i = 0; i < out.length; i++) out[i] = out[i]! ^ 0xff;
  out[0] = out[0]! ^ 0x80;
  return out;
}
