/**
 * The codebase's rules: `src/lib/` is the kernel every part imports and it imports nothing
 * from the project; only the CLI and the Worker may use Node's modules (the core runs in
 * browsers and Workers too; `tsconfig.core.json` checks its globals); tests under `src/`
 * stay beside their part, never reaching into `test/`; the evaluator's modules have no
 * import cycle; and the AssemblyScript sources Prettier can't format keep its width.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(m?ts|mjs)$/.test(f))
    .map((f) => join(dir, f));
}

/** Every module specifier a file imports or re-exports, statically or dynamically. */
function specifiers(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const found: string[] = [];
  for (const m of text.matchAll(
    /(?:^|\n)\s*(?:import|export)\b[^'"]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g,
  )) {
    found.push(m[1] ?? m[2] ?? m[3]);
  }
  return found;
}

const NODE_BUILTINS = new Set([
  'fs',
  'path',
  'os',
  'crypto',
  'http',
  'https',
  'net',
  'url',
  'child_process',
  'worker_threads',
  'stream',
  'zlib',
  'util',
  'buffer',
  'process',
  'events',
  'module',
  'perf_hooks',
  'readline',
  'tty',
  'assert',
  'v8',
  'vm',
]);
const isNodeModule = (spec: string) => spec.startsWith('node:') || NODE_BUILTINS.has(spec.split('/')[0]);

describe('codebase rules', () => {
  it('src/lib imports nothing from the rest of the project', () => {
    const outside = sourceFiles('src/lib').flatMap((file) =>
      specifiers(file)
        .filter((spec) => spec.startsWith('.') && !relative('src/lib', join(file, '..', spec)).match(/^[^.]/))
        .map((spec) => `${file}: ${spec}`),
    );
    expect(outside).toEqual([]);
  });

  it('only src/cli, src/dev (dev tokens from a key file) and src/worker import Node modules', () => {
    const nodeParts = ['cli', 'dev', 'worker'].map((part) => join('src', part));
    const files = [...sourceFiles('src'), ...sourceFiles('assembly')].filter(
      (f) => !nodeParts.some((part) => f.startsWith(part)),
    );
    const offenders = files.flatMap((file) =>
      specifiers(file)
        .filter(isNodeModule)
        .map((spec) => `${file}: ${spec}`),
    );
    expect(offenders).toEqual([]);
  });

  it('tests under src/ import nothing from test/', () => {
    const offenders = sourceFiles('src')
      .filter((f) => f.endsWith('.test.ts'))
      .flatMap((file) =>
        specifiers(file)
          .filter((spec) => spec.startsWith('.') && relative(root, join(root, file, '..', spec)).startsWith('test'))
          .map((spec) => `${file}: ${spec}`),
      );
    expect(offenders).toEqual([]);
  });

  it("the evaluator's modules import one another without a cycle", () => {
    const graph = new Map(
      sourceFiles('assembly').map((file) => [
        file,
        specifiers(file)
          .filter((spec) => spec.startsWith('.'))
          .map((spec) => `${join(file, '..', spec)}.ts`),
      ]),
    );
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') return void cycles.push([...path.slice(path.indexOf(file)), file].join(' → '));
      state.set(file, 'open');
      for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) visit(file, []);
    expect(cycles).toEqual([]);
    expect(graph.get(join('assembly', 'decide.ts'))).toContain(join('assembly', 'bundle.ts'));
  });

  it('AssemblyScript sources, which Prettier cannot parse, keep to its 120 columns', () => {
    const long = sourceFiles('assembly').flatMap((file) =>
      readFileSync(join(root, file), 'utf8')
        .split('\n')
        .flatMap((line, i) => (line.length > 120 ? [`${file}:${i + 1} (${line.length} columns)`] : [])),
    );
    expect(long).toEqual([]);
  });

  it('the rules see imports at all (a file known to import from lib is found)', () => {
    expect(specifiers('src/audit/chain.ts')).toContain('../lib/json.js');
    expect(specifiers('src/cli/dev-keys.ts')).toContain('node:fs');
  });
});
