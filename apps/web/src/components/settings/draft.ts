// Form drafts hold what the user typed (strings); these turn them into numbers and patches.
import type { TThresholds } from "@headroom/protocol";
import { THRESHOLD_KEYS, type TThresholdKey } from "@/server/settings/fields";

export type TDraft = Record<TThresholdKey, string>;

export function draftOf(t: TThresholds): TDraft {
  return Object.fromEntries(THRESHOLD_KEYS.map((k) => [k, String(t[k])])) as TDraft;
}

/** An empty or malformed input becomes NaN, which validation reports as "must be a number". */
export function parseValue(s: string): number {
  return s.trim() === "" ? Number.NaN : Number(s);
}

export function thresholdsOf(draft: TDraft): TThresholds {
  return Object.fromEntries(THRESHOLD_KEYS.map((k) => [k, parseValue(draft[k])])) as TThresholds;
}

/** The fields whose draft differs from what is stored. */
export function patchOf(stored: TThresholds, draft: TDraft): Partial<TThresholds> {
  const next = thresholdsOf(draft);
  return Object.fromEntries(THRESHOLD_KEYS.filter((k) => !Object.is(next[k], stored[k])).map((k) => [k, next[k]]));
}
