// The workflow bundle's entry point: every workflow type a seamflow worker serves.
export { progressQuery, reengineerWorkflow } from './reengineer-workflow.js';
export { zooProgressQuery, zooWorkflow } from './zoo-workflow.js';
