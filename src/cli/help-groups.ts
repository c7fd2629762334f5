/**
 * Flag groups for a command's `--help`: headings in the order given (most used
 * first), each listing its flags. yargs orders headings by when a group is
 * first named, so `withHelpGroups` is called before any option that names a
 * group itself (the log flags of src/cli/log-options.ts).
 */
import type { Argv } from 'yargs';

/** A heading (ending in `:`) and the long names of its flags. */
export type HelpGroup = readonly [heading: string, flags: readonly string[]];

/** Names every group on `y`, in order. */
export const withHelpGroups = <T>(y: Argv<T>, groups: readonly HelpGroup[]): Argv<T> =>
  groups.reduce((acc, [heading, flags]) => acc.group([...flags], heading), y);
