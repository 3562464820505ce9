// Row ids are UUIDs (Postgres uuid columns). A path parameter that is not one cannot name a row, and
// must be answered as "not found" before it reaches a `::uuid` cast, where Postgres would refuse it.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(s: string): boolean {
  return UUID.test(s);
}
