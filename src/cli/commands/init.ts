/**
 * @module
 * `tollgate init [dir]`: scaffolds a project that runs Tollgate from the installed package:
 * a starter policy with its tests, and a wrangler.toml whose Worker is the package's.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { EXIT_FAILED, EXIT_OK, UsageError, type Command } from '../usage.js';

/** The templates the package ships (templates/init/), beside dist/. */
const TEMPLATES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'templates', 'init');

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path).map((f) => join(name, f)) : [name];
  });
}

/** npm leaves `.gitignore` out of packages, so the template is named without its dot. */
const targetName = (file: string) => (file === 'gitignore' ? '.gitignore' : file);

export const initCommand: Command = {
  name: 'init',
  summary: 'scaffold policies/, policies/tests/ and a wrangler.toml in a project',
  help: `Usage: tollgate init [dir] [--force]

Writes a starter project into dir (default: the current directory):
  policies/agents.yaml        actions and rules: models, GitHub, shell, payments
  policies/tests/agents.yaml  the cases \`tollgate test\` checks them against
  wrangler.toml               the package's Worker, its Durable Objects, R2 and D1
  .gitignore                  dev keys, local state and build output
It never overwrites a file unless --force is given. Then: tollgate check, tollgate test,
and tollgate dev (which needs wrangler: npm install --save-dev wrangler).`,
  async run(args) {
    const { positionals, values } = parseArgs({
      args,
      allowPositionals: true,
      options: { force: { type: 'boolean', default: false } },
    });
    if (positionals.length > 1) throw new UsageError('init takes at most one folder');
    const dir = positionals[0] ?? '.';
    const files = filesUnder(TEMPLATES);
    const clashes = files.map(targetName).filter((f) => existsSync(join(dir, f)));
    if (clashes.length && !values.force) {
      console.error(
        `tollgate init: ${clashes.join(', ')} already exist in ${dir}; nothing was written (--force overwrites)`,
      );
      return EXIT_FAILED;
    }
    for (const file of files) {
      const target = join(dir, targetName(file));
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(join(TEMPLATES, file), target);
      console.log(`  wrote ${target}`);
    }
    console.log(`
Next:
  npx tollgate check      # validate policies/
  npx tollgate test       # run policies/tests/
  npx tollgate dev        # the local edge (needs wrangler: npm install --save-dev wrangler)`);
    return EXIT_OK;
  },
};
