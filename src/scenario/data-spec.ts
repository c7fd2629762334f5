/**
 * The `data:` section of a scenario: tables, columns and the tenant
 * distribution that `prodshape generate` builds. Owned by the generate stage.
 * PLACEHOLDER: the generate work replaces this with the strict parser.
 */
import type { Checker, DocPath } from '../core/yaml-doc.js';

export type DataSpec = Record<string, unknown>;

export const parseDataSpec = (c: Checker, path: DocPath, raw: unknown): DataSpec | undefined => c.map(path, raw);
