// PUT /api/v1/nodes/:id/drain, both directions.
import { z } from "zod";

export const ZDrainInputSchema = z.object({ drained: z.boolean() });
export const ZDrainOutputSchema = z.object({ drained: z.boolean(), requeued: z.number().int() });
