"use client";
// Recognised text, with the per-page lines (and their confidence) on request. The lines render
// only when opened, so the text appears once on the page.
import type { TOcrResult } from "@headroom/protocol";
import { useState } from "react";

export function OcrText({ text, result, testId = "job-text" }: { text: string; result: TOcrResult | null; testId?: string }) {
  const [showLines, setShowLines] = useState(false);
  const lineCount = result?.pages.reduce((n, p) => n + p.lines.length, 0) ?? 0;
  return (
    <div className="space-y-2">
      {text.trim() === "" ? <p className="text-sm italic text-slate-500">No text was found in this file.</p> : null}
      <pre data-testid={testId} className="max-h-96 overflow-auto whitespace-pre-wrap break-words rounded-lg bg-slate-50 p-3 font-mono text-sm text-slate-800 ring-1 ring-slate-200">
        {text}
      </pre>
      {result && lineCount > 0 ? (
        <div>
          <button
            type="button" aria-expanded={showLines} onClick={() => setShowLines((v) => !v)}
            className="text-sm font-medium text-indigo-700 hover:text-indigo-500"
          >
            {showLines ? "Hide" : "Show"} {lineCount} line{lineCount === 1 ? "" : "s"} on {result.pages.length} page{result.pages.length === 1 ? "" : "s"}
          </button>
          {showLines ? (
            <div className="mt-2 space-y-3">
              {result.pages.map((page) => (
                <section key={page.page} aria-label={`Page ${page.page}`}>
                  <h4 className="text-xs font-semibold uppercase tracking-wide text-slate-500">
                    Page {page.page} · {page.widthPx}×{page.heightPx} px
                  </h4>
                  <ol className="mt-1 divide-y divide-slate-100 rounded-lg ring-1 ring-slate-200">
                    {page.lines.map((line, i) => (
                      <li key={i} className="flex items-baseline justify-between gap-3 px-3 py-1.5 text-sm">
                        <span className="font-mono text-slate-800">{line.text}</span>
                        <span className="shrink-0 tabular-nums text-xs text-slate-500" title="Confidence">
                          {(line.confidence * 100).toFixed(0)}%
                        </span>
                      </li>
                    ))}
                  </ol>
                </section>
              ))}
              <p className="text-xs text-slate-500">
                Model {result.model} on {result.provider}
              </p>
            </div>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
