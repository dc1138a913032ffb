import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { UsageError } from './usage-error.js';

/**
 * Each subcommand lives in cli/commands/<name>.ts and exports
 * `summary` (one line for help) and `run(argv) => exit code`.
 * Discovery by file name keeps this dispatcher free of a hand-kept table.
 */
export interface Command {
  summary: string;
  run(argv: string[]): Promise<number>;
}

const commandsDir = fileURLToPath(new URL('./commands/', import.meta.url));

async function commandNames(): Promise<string[]> {
  const files = await readdir(commandsDir);
  return files.filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)).sort();
}

async function loadCommand(name: string): Promise<Command | undefined> {
  if (!(await commandNames()).includes(name)) return undefined;
  return (await import(`./commands/${name}.ts`)) as Command;
}

async function printHelp(): Promise<void> {
  const lines = ['Usage: seamflow <command> [options]', '', 'Commands:'];
  for (const name of await commandNames()) {
    const cmd = await loadCommand(name);
    lines.push(`  ${name.padEnd(12)} ${cmd?.summary ?? ''}`);
  }
  lines.push('', 'Run `seamflow <command> --help` for its options.');
  console.log(lines.join('\n'));
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    await printHelp();
    return name ? 0 : 2;
  }
  const cmd = await loadCommand(name);
  if (!cmd) {
    console.error(`seamflow: unknown command "${name}". Run \`seamflow --help\` for the list.`);
    return 2;
  }
  try {
    return await cmd.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`seamflow ${name}: ${err.message}`);
      return 2;
    }
    console.error(`seamflow ${name}: ${err instanceof Error ? err.message : String(err)}`);
    if (process.env.SEAMFLOW_DEBUG) console.error(err);
    return 1;
  }
}
