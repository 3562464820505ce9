/** Bad input (undecodable bytes, zero-size image, too many pixels): fail the job with INVALID_INPUT, never retry. */
export class OcrInputError extends Error {
  override readonly name = "OcrInputError";
}
