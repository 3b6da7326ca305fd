/**
 * "As of P" (SPEC §1): the state after every transaction whose commit
 * position ≤ P. P is a binlog position, `latest`, or an instant (the last
 * transaction whose commit timestamp ≤ that instant). Shared by the CLI's
 * `--at` and every store backend.
 */
import type { BinlogPosition } from './position.js';

export type AsOf =
  | { readonly kind: 'latest' }
  | { readonly kind: 'position'; readonly position: BinlogPosition }
  | { readonly kind: 'instant'; readonly at: Date };
