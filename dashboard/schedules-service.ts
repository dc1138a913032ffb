/**
 * Zoo schedules for the API, on the schedule code of `seamflow schedule`
 * (cli/commands/schedule.ts): the same validation, the same schedule shape.
 */
import path from 'node:path';
import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleHandle } from '@temporalio/client';
import { createZooSchedule, listSchedules, type ScheduleRow } from '../cli/commands/schedule.js';
import { UsageError } from '../cli/usage-error.js';
import { ScheduleInputError, ZooFileError, parseZoo, validateCron, validateScheduleName } from '../infra/zoo/index.js';
import { ConflictError, NotFoundError, ValidationError } from './errors.js';
import type { CreateScheduleRequest } from './validation.js';

function field<T>(name: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ScheduleInputError || err instanceof ZooFileError) throw new ValidationError(name, err.message);
    throw err;
  }
}

export class SchedulesService {
  constructor(
    private readonly client: Client,
    /** Relative model paths in a posted zoo resolve against this folder. */
    private readonly baseDir = process.cwd(),
  ) {}

  /** Visibility lists the schedules; each one's state comes from describe() (the list lags behind a pause). */
  async list(): Promise<ScheduleRow[]> {
    const rows = await listSchedules(this.client);
    await Promise.all(
      rows.map(async (r) => {
        const d = await this.client.schedule.getHandle(r.name).describe().catch(() => undefined);
        if (!d) return;
        r.paused = d.state.paused;
        r.note = d.state.note;
        r.recentRuns = d.info.recentActions.map((a) => a.action.workflow.workflowId);
        r.next = d.info.nextActionTimes[0]?.toISOString();
      }),
    );
    return rows;
  }

  async create(req: CreateScheduleRequest): Promise<ScheduleRow> {
    const name = field('name', () => validateScheduleName(req.name));
    const cron = field('cron', () => validateCron(req.cron));
    const zoo = field('zoo', () => parseZoo(JSON.stringify(req.zoo), { file: 'zoo', baseDir: path.resolve(this.baseDir), defaultName: name }));
    try {
      await createZooSchedule(this.client, { name, cron, zoo, catchupWindow: req.catchupWindow, paused: req.paused, note: req.note });
    } catch (err) {
      if (err instanceof UsageError) {
        if (/already exists/.test(err.message)) throw new ConflictError(err.message);
        throw new ValidationError('cron', err.message);
      }
      throw err;
    }
    const d = await this.client.schedule.getHandle(name).describe();
    return { name, paused: d.state.paused, cron, zoo: zoo.name, note: d.state.note, recentRuns: [], next: d.info.nextActionTimes[0]?.toISOString() };
  }

  private async handle(name: string): Promise<ScheduleHandle> {
    field('id', () => validateScheduleName(name));
    const handle = this.client.schedule.getHandle(name);
    try {
      await handle.describe();
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) throw new NotFoundError(`no schedule named "${name}"`);
      throw err;
    }
    return handle;
  }

  async pause(name: string, note?: string): Promise<void> {
    await (await this.handle(name)).pause(note ?? 'paused from the dashboard');
  }

  async unpause(name: string, note?: string): Promise<void> {
    await (await this.handle(name)).unpause(note ?? 'unpaused from the dashboard');
  }

  async trigger(name: string): Promise<void> {
    await (await this.handle(name)).trigger(ScheduleOverlapPolicy.ALLOW_ALL);
  }

  async delete(name: string): Promise<void> {
    await (await this.handle(name)).delete();
  }
}
