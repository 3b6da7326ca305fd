/**
 * A one-line progress display on standard error for long work (SPEC §2: rows,
 * rate, ETA). Drawn only on a terminal, at most four times a second; the line
 * is cleared before the command prints its result.
 */
export interface ProgressLine {
  /** `text` may be a function: it is then called only when the line is drawn (formatting numbers costs). */
  update(text: string | (() => string), force?: boolean): void;
  done(): void;
}

export function progressLine(stream: NodeJS.WritableStream, enabled: boolean): ProgressLine {
  let last = 0;
  let drawn = false;
  return {
    update(text, force = false) {
      if (!enabled) return;
      const now = Date.now();
      if (!force && now - last < 250) return;
      last = now;
      drawn = true;
      stream.write(`\r\u001b[2K${typeof text === 'function' ? text() : text}`);
    },
    done() {
      if (enabled && drawn) stream.write('\r\u001b[2K');
      drawn = false;
    },
  };
}

/** 1234567 → "1,234,567" (not toLocaleString: its first call loads ICU data, ~30 ms of every command). */
export function count(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Seconds → "1:02:03" or "2:03". */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
