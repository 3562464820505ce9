import { z } from "zod";

/** Four corners, clockwise from the top left, in source-image pixels: [[x,y] x4]. */
export const ZQuadSchema = z.array(z.tuple([z.number(), z.number()])).length(4);
export type TQuad = z.infer<typeof ZQuadSchema>;

export const ZOcrLineSchema = z.object({
  text: z.string(),
  confidence: z.number().min(0).max(1),
  box: ZQuadSchema,
});
export type TOcrLine = z.infer<typeof ZOcrLineSchema>;

export const ZOcrPageSchema = z.object({
  page: z.number().int().min(1),
  widthPx: z.number().int().positive(),
  heightPx: z.number().int().positive(),
  lines: z.array(ZOcrLineSchema),
  text: z.string(),
  /** The page as Markdown: lines grouped into paragraphs by their geometry. Absent on older results. */
  markdown: z.string().optional(),
});
export type TOcrPage = z.infer<typeof ZOcrPageSchema>;

export const ZOcrResultSchema = z.object({
  pages: z.array(ZOcrPageSchema),
  text: z.string(),
  /** The document as Markdown; several pages come under `## Page N` headings. Absent on older results. */
  markdown: z.string().optional(),
  model: z.string(),
  provider: z.string(),
  /** Stage timings in milliseconds, summed over pages. */
  timingsMs: z.record(z.string(), z.number()),
});
export type TOcrResult = z.infer<typeof ZOcrResultSchema>;
