/** Public surface of the sandbox adapter (what main.ts, server.ts, tests and the drill import). */
export { SandboxAdapter, type SandboxAdapterOptions } from './SandboxAdapter.js';
export {
  directConversationId,
  DIRECT_PREFIX,
  type SandboxChat,
  type SandboxDirectory,
  type SandboxMember,
  type SandboxRole,
} from './directory.js';
export type { SandboxMeta } from './http-api.js';
export { BOT_SENDER, type SandboxLogger, type SandboxMessage } from './sandbox-types.js';
