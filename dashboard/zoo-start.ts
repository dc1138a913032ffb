/**
 * POST /api/zoos: which zoo to start. `zoo` is a zoo document, the format of
 * a zoo file (examples/README.md), validated by parseZoo like `seamflow zoo
 * validate`; as text, its problems are reported by line of that text (an
 * object is laid out with two-space indentation first). Without `zoo`, the
 * deployment's zoo file (`seamflow dashboard --zoo FILE`) runs. `epochs` and
 * `concurrency` override the zoo's; `runId` names the run.
 */
import { ZooFileError, ZooOverrideError, overrideZoo, parseZoo, type ZooIssue, type ZooSpec } from '../infra/zoo/index.js';
import { ValidationError } from './errors.js';
import { validateRunId } from './validation.js';

export const START_ZOO_FIELDS = ['zoo', 'runId', 'epochs', 'concurrency'] as const;

/** A zoo document with problems: the 400 lists them all, each with its line (`issues` in the body too). */
export class ZooDocumentError extends ValidationError {
  override name = 'ZooDocumentError';
  constructor(readonly issues: ZooIssue[]) {
    super('zoo', issues.map((i) => `line ${i.line}: ${i.path === '' ? '' : `${i.path}: `}${i.message}`).join('\n'));
  }
}

export interface StartZooRequest {
  zoo: ZooSpec;
  /** Where the zoo came from: the posted document or the dashboard's --zoo file. */
  source: 'document' | 'file';
  runId?: string;
}

export interface StartZooContext {
  /** The dashboard's --zoo file, parsed at start-up. */
  deploymentZoo?: ZooSpec;
  /** Relative model paths and dataset folders in a posted document resolve against this folder. */
  baseDir: string;
}

/** A whole number from JSON or a form's string; undefined when absent or empty. */
function optionalInt(o: Record<string, unknown>, field: string): number | undefined {
  const v = o[field];
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n)) throw new ValidationError(field, `expected a whole number, got ${JSON.stringify(v)}`);
  return n;
}

function documentText(zoo: unknown): string {
  if (typeof zoo === 'string') {
    if (zoo.trim() === '') throw new ValidationError('zoo', 'the zoo document is empty (omit "zoo" to run the dashboard\'s zoo file)');
    return zoo;
  }
  if (typeof zoo !== 'object' || zoo === null || Array.isArray(zoo)) throw new ValidationError('zoo', 'expected a zoo document: its JSON text or object');
  return JSON.stringify(zoo, null, 2);
}

export function parseStartZoo(body: unknown, ctx: StartZooContext): StartZooRequest {
  // No body at all means "the dashboard's zoo file, as it is".
  if (body !== undefined && body !== null && (typeof body !== 'object' || Array.isArray(body))) throw new ValidationError('body', 'expected a JSON object');
  const o = (body ?? {}) as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!(START_ZOO_FIELDS as readonly string[]).includes(k)) throw new ValidationError(k, `unknown field (known: ${START_ZOO_FIELDS.join(', ')})`);

  let zoo: ZooSpec;
  let source: StartZooRequest['source'];
  if (o.zoo === undefined || o.zoo === null) {
    if (!ctx.deploymentZoo) {
      throw new ValidationError('zoo', 'is required: this dashboard was started without --zoo FILE, so post a zoo document (the contents of a zoo.json)');
    }
    zoo = ctx.deploymentZoo;
    source = 'file';
  } else {
    try {
      zoo = parseZoo(documentText(o.zoo), { file: 'zoo', baseDir: ctx.baseDir, defaultName: 'zoo' });
    } catch (err) {
      if (err instanceof ZooFileError) throw new ZooDocumentError(err.issues);
      throw err;
    }
    source = 'document';
  }
  try {
    zoo = overrideZoo(zoo, { epochs: optionalInt(o, 'epochs'), concurrency: optionalInt(o, 'concurrency') });
  } catch (err) {
    if (err instanceof ZooOverrideError) throw new ValidationError(err.field, err.reason);
    throw err;
  }
  const runId = o.runId === undefined || o.runId === null || o.runId === '' ? undefined : validateRunId(o.runId, 'runId');
  return { zoo, source, runId };
}
