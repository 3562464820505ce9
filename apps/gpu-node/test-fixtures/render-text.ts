/**
 * Test images rendered on the fly with sharp (librsvg + fontconfig), so OCR tests need no binary
 * fixtures. Fonts: "DejaVu Sans" (fonts-dejavu-core) and "Noto Sans CJK SC" (fonts-noto-cjk).
 */
import sharp from "sharp";

export type TTextSpec = { text: string; font?: string; sizePx?: number; fill?: string };

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** SVG with one line per spec, left-aligned, `lineGapPx` apart, on a white (or no) background. */
export function textSvg(lines: TTextSpec[], opts: { widthPx?: number; lineGapPx?: number; background?: string | null } = {}): Buffer {
  const widthPx = opts.widthPx ?? 1000;
  const gap = opts.lineGapPx ?? 80;
  const heightPx = 60 + gap * lines.length;
  const bg = opts.background === null ? "" : `<rect width="100%" height="100%" fill="${opts.background ?? "white"}"/>`;
  const body = lines
    .map((l, i) => `<text x="40" y="${70 + i * gap}" font-family="${l.font ?? "DejaVu Sans"}" font-size="${l.sizePx ?? 40}" fill="${l.fill ?? "black"}">${escapeXml(l.text)}</text>`)
    .join("");
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${widthPx}" height="${heightPx}">${bg}${body}</svg>`);
}

/** Render to PNG (RGB, or RGBA when the background is transparent). */
export async function renderPng(lines: TTextSpec[], opts: Parameters<typeof textSvg>[1] = {}): Promise<Buffer> {
  return sharp(textSvg(lines, opts)).png().toBuffer();
}
