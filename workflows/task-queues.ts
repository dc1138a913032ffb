/**
 * Task queues by hardware (ARCHITECTURE.md): heavy tensor work on `seam-gpu`,
 * everything light (sampling, export, evaluation, reports, workflow tasks) on
 * `seam-cpu`. Plain constants: safe to import from workflow code.
 */
export const TASK_QUEUES = { gpu: 'seam-gpu', cpu: 'seam-cpu' } as const;
export type QueueKind = keyof typeof TASK_QUEUES;
export const WORKFLOW_QUEUE = TASK_QUEUES.cpu;
