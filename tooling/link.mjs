// Run by the project's prepare script (npm ci, npm install; never for the package's users):
// installs the development tools that need Node 22 (wrangler, the Workers test plugin, the AI
// frameworks, the MCP conformance suite, the test browser) from tooling/package-lock.json,
// then links each into the project's node_modules, bins too.
//
// Why a second install: npm checks every package's `engines` against the Node that runs npm
// itself. On a machine whose Node is 20, installing these with the project would warn
// (EBADENGINE) for each, although the project's scripts never run them on 20: they run on the
// Node 22 from the `node` devDependency. Run from the prepare script, this install runs on that
// Node 22 (npm puts node_modules/.bin first on the PATH), so every engine is met.
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const tooling = dirname(fileURLToPath(import.meta.url));
const project = dirname(tooling);
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  console.error(
    `tooling: needs Node 22 or newer, not ${process.version}; run npm ci (its node devDependency provides it)`,
  );
  process.exit(1);
}

const install = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=warn'], {
  cwd: tooling,
  stdio: 'inherit',
});
if (install.status !== 0) process.exit(install.status ?? 1);

/** Replaces whatever is at `link` by a relative symlink to `target`. */
function linkTo(target, link) {
  mkdirSync(dirname(link), { recursive: true });
  if (existsSync(link) || lstatSync(link, { throwIfNoEntry: false })) rmSync(link, { recursive: true, force: true });
  symlinkSync(relative(dirname(link), target), link);
}

const { devDependencies } = JSON.parse(readFileSync(join(tooling, 'package.json'), 'utf8'));
for (const name of Object.keys(devDependencies))
  linkTo(join(tooling, 'node_modules', name), join(project, 'node_modules', name));
const bins = join(tooling, 'node_modules', '.bin');
for (const bin of readdirSync(bins)) {
  // The project's own bins (esbuild, tsc, ...) stay its own; only what it lacks comes from here.
  const link = join(project, 'node_modules', '.bin', bin);
  const present = lstatSync(link, { throwIfNoEntry: false });
  if (!present || (present.isSymbolicLink() && realpathSync(link).startsWith(tooling))) linkTo(join(bins, bin), link);
}
console.log(`tooling: ${Object.keys(devDependencies).join(', ')} linked into node_modules`);
