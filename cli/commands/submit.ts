import { run as reengineer } from './reengineer.js';

export const summary = 'Submit a re-engineering run and return its id at once (`reengineer --detach`)';

/** Same flags as `seamflow reengineer`; the run proceeds on the cluster's workers. */
export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log('Usage: seamflow submit <the flags of `seamflow reengineer`>\n\nFollow the run with `seamflow status ID --watch`; `seamflow reengineer --help` lists the flags\n(--defects pgd|backdoor, --defect-epochs N, --prune-threshold T add a defect-inheritance stage).');
    return 0;
  }
  return reengineer([...argv, '--detach']);
}
