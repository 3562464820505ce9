// The runner child of the multi-host simulation: the real child protocol (serveRunner), an "engine"
// that takes HEADROOM_SIM_JOB_MS per job (long enough to cut a host off mid-job) and answers with the
// sha256 of the bytes it got, so the test can tell each result belongs to its upload. The env var is
// this fixture's own knob, read here because the agent passes the child no settings of its own.
import { createHash } from "node:crypto";
import type { TOcrResult } from "@headroom/protocol";
import { serveRunner } from "../../apps/gpu-node/src/runner/child-loop.ts";

const jobMs = Number(process.env.HEADROOM_SIM_JOB_MS ?? "1000");
const result = (text: string): TOcrResult => ({ pages: [], text, model: "sim", provider: "scripted", timingsMs: { totalMs: jobMs } });

await serveRunner(
  async () => ({
    providerNotes: [{ provider: "scripted", ok: true }],
    engine: {
      provider: "scripted",
      model: "sim",
      async recognize(input: Buffer) {
        await new Promise((r) => setTimeout(r, jobMs));
        return result(`sha256:${createHash("sha256").update(input).digest("hex")} pid:${process.pid}`);
      },
    },
  }),
  () => false,
);
