/**
 * Where a suite's results go: bench/results/<suite>-<YYYY-MM-DD>[-quick].json
 * and the markdown report beside it, with plots as SVG files next to them.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

export function resultBaseName(suite: string, date: Date, quick: boolean): string {
  const d = date.toISOString().slice(0, 10);
  return `${suite}-${d}${quick ? '-quick' : ''}`;
}

export interface WrittenResults {
  json: string;
  markdown: string;
  plots: string[];
}

export async function writeResults(
  outDir: string,
  base: string,
  json: unknown,
  markdown: string,
  plots: Record<string, string>,
): Promise<WrittenResults> {
  await mkdir(outDir, { recursive: true });
  const jsonFile = path.join(outDir, `${base}.json`);
  const mdFile = path.join(outDir, `${base}.md`);
  await writeFile(jsonFile, `${JSON.stringify(json, typedArrays, 1)}\n`);
  await writeFile(mdFile, markdown.endsWith('\n') ? markdown : `${markdown}\n`);
  const written: string[] = [];
  for (const [name, svg] of Object.entries(plots)) {
    const f = path.join(outDir, `${base}-${name}.svg`);
    await writeFile(f, svg);
    written.push(f);
  }
  return { json: jsonFile, markdown: mdFile, plots: written };
}

/** Plot file name as the markdown links it (relative to the report). */
export const plotFile = (base: string, name: string) => `${base}-${name}.svg`;

function typedArrays(_key: string, value: unknown): unknown {
  return ArrayBuffer.isView(value) ? `<${(value as { length?: number }).length ?? 0} values omitted>` : value;
}
