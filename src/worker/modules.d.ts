// Module types for what wrangler's rules import: WASM as a compiled module, bundles as data.
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
declare module '*.bundle' {
  const data: ArrayBuffer;
  export default data;
}
