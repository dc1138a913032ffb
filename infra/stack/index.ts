/** The local stack: a Temporal dev server and a SeaweedFS S3 server on loopback. */
export { MissingBinaryError, stackBinary } from './binaries.js';
export { readCredentials, type S3Credentials } from './credentials.js';
export { startLocalStack, StackBusyError, type LocalS3, type LocalStack, type LocalStackOptions } from './local-stack.js';
export { stackDown, stackStatus, stackUp, type ServiceStatus } from './stack-control.js';
export { stackDir, stackLayout } from './stack-layout.js';
export { readState, type StackState } from './state-file.js';
export { ServerStartError } from './server-launch.js';
export { StackLockedError } from './stack-lock.js';
export { localS3Client } from './seaweed-server.js';
