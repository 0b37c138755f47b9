/** scripts/build.mjs, as TypeScript sees it (the bench builds before timing the compiled start). */
export declare const ROOT: string;
export declare const DIST: string;
export declare const ENTRY: string;
export declare function isStale(): boolean;
export declare function build(): Promise<void>;
export declare const BUNDLE_OPTIONS: Record<string, unknown>;
export declare const CODE_CACHE_DIR: string;
export declare function asciiOnly(code: string): string;
