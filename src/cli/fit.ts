/** `prodshape fit`: PLACEHOLDER until its stage lands. */
import type { CommandModule } from 'yargs';
import { ProdshapeError } from '../core/errors.js';

export const fitCommand: CommandModule = {
  command: 'fit',
  describe: '(not built yet)',
  handler: () => {
    throw new ProdshapeError('PS_NOT_BUILT', '`prodshape fit` is not built yet');
  },
};
