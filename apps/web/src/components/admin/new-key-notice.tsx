"use client";
// A just-created key, shown this once with a copy button; it cannot be shown again.
import { useState } from "react";
import { BUTTON_SECONDARY } from "@/components/ui/panel";

export function NewKeyNotice({ name, apiKey, onDismiss }: { name: string; apiKey: string; onDismiss: () => void }) {
  const [copied, setCopied] = useState<"yes" | "failed" | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(apiKey);
      setCopied("yes");
    } catch {
      // Clipboard access needs a secure context or permission; the key is selectable either way.
      setCopied("failed");
    }
  };
  return (
    <div role="status" className="mb-4 rounded-lg border border-emerald-300 bg-emerald-50 p-4 text-sm text-emerald-950">
      <p className="font-medium">Key “{name}” created. Copy it now: it will not be shown again.</p>
      <div className="mt-2 flex flex-wrap items-center gap-2">
        <label htmlFor="new-api-key" className="sr-only">New API key</label>
        <input
          id="new-api-key"
          readOnly
          value={apiKey}
          onFocus={(e) => e.currentTarget.select()}
          data-testid="new-api-key"
          className="min-w-0 flex-1 rounded-md border border-emerald-300 bg-white px-3 py-2 font-mono text-xs"
        />
        <button type="button" className={BUTTON_SECONDARY} onClick={() => void copy()}>{copied === "yes" ? "Copied" : "Copy key"}</button>
        <button type="button" className={BUTTON_SECONDARY} onClick={onDismiss}>Done</button>
      </div>
      {copied === "failed" ? <p className="mt-1 text-xs text-emerald-900">The browser refused clipboard access; select the key and copy it by hand.</p> : null}
    </div>
  );
}
