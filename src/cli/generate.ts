/** `prodshape generate`: PLACEHOLDER until its stage lands. */
import type { CommandModule } from 'yargs';
import { ProdshapeError } from '../core/errors.js';

export const generateCommand: CommandModule = {
  command: 'generate',
  describe: '(not built yet)',
  handler: () => {
    throw new ProdshapeError('PS_NOT_BUILT', '`prodshape generate` is not built yet');
  },
};
