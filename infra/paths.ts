import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** Root of the installed seamflow package (where package.json lives). */
export const packageRoot = path.resolve(fileURLToPath(new URL('..', import.meta.url)));

/** Project-local, git-ignored folder holding the Python venv with the server binaries. */
export const toolsDir = path.join(packageRoot, '.tools');

/** Directory of executables inside the tools venv (temporal, weed). */
export const toolsBinDir = path.join(toolsDir, 'venv', 'bin');

/** The one command that installs the local stack's binaries. */
export const installToolsCommand = 'npm run setup:tools';
