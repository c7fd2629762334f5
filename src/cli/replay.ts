/** `prodshape replay`: PLACEHOLDER until its stage lands. */
import type { CommandModule } from 'yargs';
import { ProdshapeError } from '../core/errors.js';

export const replayCommand: CommandModule = {
  command: 'replay',
  describe: '(not built yet)',
  handler: () => {
    throw new ProdshapeError('PS_NOT_BUILT', '`prodshape replay` is not built yet');
  },
};
