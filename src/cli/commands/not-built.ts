/**
 * Commands that are part of the interface (SPEC §2) but not built yet in this
 * version: they exit 2 with BINSNAP_E_NOT_IMPLEMENTED. Each is removed from
 * here as the issue that builds it lands.
 */
import { BinsnapError } from '../../core/errors.js';
import type { CommandHandler } from '../command.js';

export function notBuilt(command: string, issue: string): CommandHandler {
  return async () => {
    throw new BinsnapError('BINSNAP_E_NOT_IMPLEMENTED', `\`binsnap ${command}\` is not built yet in this version (planned: ${issue})`, {
      command,
    });
  };
}
