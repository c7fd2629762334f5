/** `prodshape k6`: PLACEHOLDER until its stage lands. */
import type { CommandModule } from 'yargs';
import { ProdshapeError } from '../core/errors.js';

export const k6Command: CommandModule = {
  command: 'k6',
  describe: '(not built yet)',
  handler: () => {
    throw new ProdshapeError('PS_NOT_BUILT', '`prodshape k6` is not built yet');
  },
};
