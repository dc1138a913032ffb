/** `<suite> [--quick] [--out DIR] [--name value ...]` (pure). */
export interface BenchArgs {
  suite: string | undefined;
  quick: boolean;
  out: string;
  help: boolean;
  flags: Record<string, string | boolean>;
}

export function parseBenchArgs(argv: string[]): BenchArgs {
  const out: BenchArgs = { suite: undefined, quick: false, out: 'bench/results', help: false, flags: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help' || a === '-h') out.help = true;
    else if (a === '--quick') out.quick = true;
    else if (a.startsWith('--')) {
      const [name, inline] = a.slice(2).split('=', 2) as [string, string | undefined];
      const next = argv[i + 1];
      const value = inline ?? (next !== undefined && !next.startsWith('--') ? (i++, next) : true);
      if (name === 'out') {
        if (typeof value !== 'string') throw new Error('--out needs a folder');
        out.out = value;
      } else out.flags[name] = value;
    } else if (out.suite === undefined) out.suite = a;
    else throw new Error(`unexpected argument "${a}"`);
  }
  return out;
}
