/** The public API of binsnap as a library. */
export { BinsnapError, ERROR_CODES, isBinsnapError, type ErrorCode } from './core/errors.js';
export { BinlogPosition, comparePositions } from './core/position.js';
export { main } from './cli/main.js';
