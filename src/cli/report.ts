/** `prodshape report`: PLACEHOLDER until its stage lands. */
import type { CommandModule } from 'yargs';
import { ProdshapeError } from '../core/errors.js';

export const reportCommand: CommandModule = {
  command: 'report',
  describe: '(not built yet)',
  handler: () => {
    throw new ProdshapeError('PS_NOT_BUILT', '`prodshape report` is not built yet');
  },
};
