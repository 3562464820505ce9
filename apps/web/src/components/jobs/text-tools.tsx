"use client";
// Copy the recognised text, or download it as .txt or the whole result as .json.
import { useState } from "react";

async function copyText(text: string): Promise<void> {
  if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
  // Plain http on another host has no Clipboard API: fall back to a hidden textarea.
  const ta = document.createElement("textarea");
  ta.value = text;
  ta.setAttribute("readonly", "");
  ta.style.position = "fixed";
  ta.style.opacity = "0";
  document.body.appendChild(ta);
  ta.select();
  const ok = document.execCommand("copy");
  ta.remove();
  if (!ok) throw new Error("copy refused");
}

export function TextTools({ jobId, text }: { jobId: string; text: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  const btn = "rounded-md border border-slate-300 bg-white px-2.5 py-1 text-xs font-medium text-slate-700 hover:bg-slate-50";
  return (
    <div className="flex flex-wrap items-center gap-2">
      <button
        type="button" className={btn}
        onClick={() => copyText(text).then(() => setState("copied"), () => setState("failed")).finally(() => setTimeout(() => setState("idle"), 2_000))}
      >
        Copy text
      </button>
      <a className={btn} href={`/api/v1/jobs/${jobId}/result?format=txt`} download>Download .txt</a>
      <a className={btn} href={`/api/v1/jobs/${jobId}/result?format=md`} download>Download .md</a>
      <a className={btn} href={`/api/v1/jobs/${jobId}/result?format=json`} download>Download .json</a>
      <span aria-live="polite" className="text-xs text-slate-500">{state === "copied" ? "Copied" : state === "failed" ? "Could not copy" : ""}</span>
    </div>
  );
}
