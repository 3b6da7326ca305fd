/**
 * The logging the pipeline needs, as a structural type: pino's logger fits it,
 * and tests can pass a recording one. Fields first, message second (pino's order).
 */
export interface PipelineLog {
  warn(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  debug(fields: Record<string, unknown>, message: string): void;
}

/** Discards everything. */
export const SILENT_LOG: PipelineLog = { warn: () => {}, info: () => {}, debug: () => {} };
