/**
 * node:crypto for the modules a one-message `send` loads but whose hashing or secrets only some paths
 * need (local media files, approvals): loaded on the first call, not at start-up, where Node 20
 * compiles it with its ~15 internal modules (~2 ms of that send; src/unique-id.ts says more).
 */
export const nodeCrypto = () => process.getBuiltinModule('node:crypto');
