/**
 * @module
 * The `tollgate` command line: dispatches to one command, maps errors to exit codes.
 */
import { auditCommand } from './commands/audit.js';
import { buildCommand } from './commands/build.js';
import { checkCommand } from './commands/check.js';
import { devCommand } from './commands/dev.js';
import { initCommand } from './commands/init.js';
import { mcpCommand } from './commands/mcp.js';
import { tenantCommand } from './commands/tenant.js';
import { testCommand } from './commands/test.js';
import { tokenCommand } from './commands/token.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError, type Command } from './usage.js';

const COMMANDS: Command[] = [
  checkCommand,
  buildCommand,
  testCommand,
  tokenCommand,
  devCommand,
  initCommand,
  auditCommand,
  mcpCommand,
  tenantCommand,
];

/** The package's version, from its package.json. */
async function version(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return `tollgate ${pkg.version}`;
}

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `tollgate: policy runtime for AI agents

Usage: tollgate <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Run "tollgate <command> --help" for a command's options, "tollgate --version" for the version.
Exit codes: 0 success, 1 a check failed, 2 bad usage.`;
}

/** Runs the CLI with `argv` (without node and the script); returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(mainHelp());
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (name === '--version' || name === '-v') {
    console.log(await version());
    return EXIT_OK;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    console.error(`tollgate: unknown command '${name}'\n\n${mainHelp()}`);
    return EXIT_USAGE;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.help);
    return EXIT_OK;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`tollgate ${name}: ${(err as Error).message}\nRun "tollgate ${name} --help" for usage.`);
      return EXIT_USAGE;
    }
    console.error(`tollgate ${name}: ${(err as Error).message}`);
    return EXIT_FAILED;
  }
}
