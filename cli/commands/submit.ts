import { DEFECT_HELP } from '../defect-flags.js';
import { FINETUNE_HELP } from '../finetune-flags.js';
import { run as reengineer } from './reengineer.js';

export const summary = 'Submit a re-engineering run and return its id at once (`reengineer --detach`)';

const HELP = `Usage: seamflow submit <the flags of \`seamflow reengineer\`>

Follow the run with \`seamflow status ID --watch\`; \`seamflow reengineer --help\` lists the flags.
Optional stages (each adds one to the run):

${FINETUNE_HELP}

${DEFECT_HELP}`;

/** Same flags as `seamflow reengineer` (its parser reads them, the optional stages' included); the run proceeds on the cluster's workers. */
export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(HELP);
    return 0;
  }
  return reengineer([...argv, '--detach']);
}
