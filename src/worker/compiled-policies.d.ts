/** The compiled policies, as `tollgate build` writes them (build/policies.bundle.mjs). */
declare module 'tollgate:policies' {
  /** The bundle's version: its build time, which signed bundles carry. */
  export const version: number;
  /** The bundle's sha256 hash. */
  export const hash: string;
  /** The registry's action patterns and the catalogue's resource patterns, for operators to read (absent from builds before 0.1). */
  export const catalogue: { actions: string[]; resources: string[] } | undefined;
  /** The bundle's bytes, base64. */
  export const bundleBase64: string;
}
