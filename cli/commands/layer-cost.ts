import { measureLayerCost } from '../../engine/eval/layer-cost.js';
import { initBackend } from '../../infra/backend/index.js';
import { backendFlag, intFlag, parseCommandLine } from '../flags.js';
import { describeLayerCost } from '../measured-layer-cost.js';

export const summary = 'Measure the fixed cost of one layer on this machine\'s backend (for reengineer --penalty latency)';

const HELP = `Usage: seamflow layer-cost [--backend B] [--batch N] [--runs N] [--json]

Times small models of 3x3 convolution layers (1 or 5 deep, two widths) and
fits time = fixed + slope x MACs per layer. Prints the fixed part in MACs per
image: the --layer-cost of \`seamflow reengineer --penalty latency\`. Run it
where the re-engineered model will serve, on that backend and batch size.

  --backend B          tensorflow | wasm | cpu (default: best available)
  --batch N            images per call  [16]
  --runs N             timed runs per probe  [15]
  --json               print the measurement as JSON`;

export async function run(argv: string[]): Promise<number> {
  const values = parseCommandLine(argv, { backend: { type: 'string' }, batch: { type: 'string' }, runs: { type: 'string' }, json: { type: 'boolean' } }, HELP);
  if (!values) return 0;
  const backend = backendFlag(values.backend);
  const batchSize = intFlag('batch', values.batch, 1) ?? 16;
  const runs = intFlag('runs', values.runs, 1) ?? 15;
  await initBackend(backend ? { backend } : {});
  const cost = await measureLayerCost({ batchSize, runs });
  console.log(values.json ? JSON.stringify({ ...cost, batchSize }) : `${describeLayerCost(cost)}\n--layer-cost ${cost.macs}`);
  return 0;
}
