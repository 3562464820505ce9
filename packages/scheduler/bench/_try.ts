import { openBenchDatabase } from "/work/main/packages/scheduler/bench/db.ts";
import { benchPurePlacement, benchSchedulerTick, throughputReport } from "/work/main/packages/scheduler/bench/throughput.ts";
const log = (m: string) => console.error(`[${(performance.now()/1000).toFixed(1)}s] ${m}`);
const o = { nodes: 1000, jobs: 10000, tickBudgetMs: 30000, seed: 42 };
const pure = benchPurePlacement(o);
log("pure done " + JSON.stringify(pure));
const db = await openBenchDatabase(undefined, log);
try {
  log(db.postgresVersion + " " + db.settings);
  const c = db.client();
  const t = await benchSchedulerTick(c, o, log);
  console.log(throughputReport(o, pure, t));
} finally { await db.close(); }
