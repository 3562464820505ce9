/** Packed 8-bit pixels, `channels` per pixel, row-major: a decoded page, as OCR and PDF rendering pass it on. */
export type TRgbImage = { data: Uint8Array; widthPx: number; heightPx: number; channels: number };
