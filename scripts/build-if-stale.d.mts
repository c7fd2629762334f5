/** Builds `root`'s dist/ from src/ when it is missing or older than src/; true when it built. */
export declare const buildIfStale: (root: string, say?: (line: string) => void) => boolean;
