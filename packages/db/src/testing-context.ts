// What the global setup hands each test file; declared once so every importer type-checks.
export {};

declare module "vitest" {
  export interface ProvidedContext {
    /** A URL on the test server from which databases can be created and dropped. */
    headroomDbAdminUrl: string;
    /** The migrated template database to clone; also the prefix for per-file databases. */
    headroomDbTemplate: string;
  }
}
