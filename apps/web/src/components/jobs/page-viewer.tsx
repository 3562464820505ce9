"use client";
// A page of the job with its recognised lines drawn over it. The SVG overlay uses the page's own
// pixel size as its viewBox, so boxes (4 corners in page pixels) scale with the image whatever size
// it is shown at. Hovering a box highlights its line in the list and shows its text and confidence;
// hovering a line highlights its box.
import type { TOcrPage } from "@headroom/protocol";
import { useState } from "react";

const pct = (v: number, of: number) => `${((v / of) * 100).toFixed(3)}%`;

export function PageViewer({ jobId, pages, pageCount }: { jobId: string; pages: TOcrPage[]; pageCount: number }) {
  const [pageNo, setPageNo] = useState(1);
  const [showBoxes, setShowBoxes] = useState(true);
  const [hovered, setHovered] = useState<number | null>(null);
  const [failed, setFailed] = useState<Record<number, boolean>>({});
  const count = Math.max(pageCount, pages.length, 1);
  const page = pages.find((p) => p.page === pageNo) ?? null;
  const line = hovered !== null ? page?.lines[hovered] : undefined;
  const go = (n: number) => { setPageNo(n); setHovered(null); };

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center justify-between gap-3">
        {count > 1 ? (
          <nav aria-label="Pages of this job" className="flex items-center gap-2 text-sm">
            <button type="button" onClick={() => go(pageNo - 1)} disabled={pageNo <= 1} className="rounded-md px-2.5 py-1 ring-1 ring-slate-300 disabled:opacity-40">Previous page</button>
            <span className="tabular-nums text-slate-700" aria-live="polite">Page {pageNo} of {count}</span>
            <button type="button" onClick={() => go(pageNo + 1)} disabled={pageNo >= count} className="rounded-md px-2.5 py-1 ring-1 ring-slate-300 disabled:opacity-40">Next page</button>
          </nav>
        ) : <span className="text-sm text-slate-500">{page ? `${page.widthPx}×${page.heightPx} px · ${page.lines.length} lines` : null}</span>}
        <label className="flex items-center gap-2 text-sm text-slate-700">
          <input type="checkbox" checked={showBoxes} onChange={(e) => setShowBoxes(e.target.checked)} className="size-4 rounded border-slate-300" />
          Show boxes
        </label>
      </div>

      <div className="grid gap-4 lg:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
        <div className="relative self-start overflow-hidden rounded-lg bg-slate-100 ring-1 ring-slate-200" data-testid="page-preview">
          {failed[pageNo] ? (
            <p className="px-4 py-16 text-center text-sm text-slate-500">The preview of page {pageNo} could not be rendered.</p>
          ) : (
            <>
              {/* eslint-disable-next-line @next/next/no-img-element -- an authenticated, already-bounded rendering; next/image would re-encode it */}
              <img
                src={`/api/v1/jobs/${jobId}/pages/${pageNo}/image`}
                alt={`Page ${pageNo} of the upload`}
                className="block h-auto w-full"
                onError={() => setFailed((f) => ({ ...f, [pageNo]: true }))}
              />
              {page && showBoxes ? (
                <svg
                  data-testid="ocr-overlay"
                  viewBox={`0 0 ${page.widthPx} ${page.heightPx}`}
                  preserveAspectRatio="none"
                  className="absolute inset-0 h-full w-full"
                  onMouseLeave={() => setHovered(null)}
                >
                  {page.lines.map((l, i) => (
                    <polygon
                      key={i}
                      data-testid="ocr-box"
                      points={l.box.map(([x, y]) => `${x},${y}`).join(" ")}
                      onMouseEnter={() => setHovered(i)}
                      vectorEffect="non-scaling-stroke"
                      className={`cursor-pointer transition-colors ${hovered === i ? "fill-amber-300/40 stroke-amber-500" : "fill-indigo-400/10 stroke-indigo-500"}`}
                      strokeWidth={hovered === i ? 2.5 : 1.5}
                    >
                      <title>{`${l.text} (${(l.confidence * 100).toFixed(0)}%)`}</title>
                    </polygon>
                  ))}
                </svg>
              ) : null}
              {page && showBoxes && line ? (
                <div
                  role="tooltip"
                  className="pointer-events-none absolute z-10 max-w-[90%] -translate-y-full rounded bg-slate-900/90 px-2 py-1 text-xs text-white shadow"
                  style={{ left: pct(Math.min(...line.box.map((p) => p[0])), page.widthPx), top: pct(Math.min(...line.box.map((p) => p[1])), page.heightPx) }}
                >
                  <span className="font-mono">{line.text}</span> <span className="text-slate-300">· {(line.confidence * 100).toFixed(1)}%</span>
                </div>
              ) : null}
            </>
          )}
        </div>

        <div className="min-w-0">
          <h3 className="mb-1 text-xs font-semibold uppercase tracking-wide text-slate-500">Lines on page {pageNo}</h3>
          {page && page.lines.length > 0 ? (
            <ol aria-label={`Lines on page ${pageNo}`} className="max-h-[32rem] divide-y divide-slate-100 overflow-auto rounded-lg ring-1 ring-slate-200" onMouseLeave={() => setHovered(null)}>
              {page.lines.map((l, i) => (
                <li
                  key={i}
                  data-testid="ocr-line"
                  data-highlighted={hovered === i ? "true" : undefined}
                  onMouseEnter={() => setHovered(i)}
                  onFocus={() => setHovered(i)}
                  tabIndex={0}
                  className={`flex cursor-default items-baseline justify-between gap-3 px-3 py-1.5 text-sm outline-none ${hovered === i ? "bg-amber-50" : ""}`}
                >
                  <span className="min-w-0 break-words font-mono text-slate-800">{l.text}</span>
                  <span className="shrink-0 tabular-nums text-xs text-slate-500" title="Confidence">{(l.confidence * 100).toFixed(0)}%</span>
                </li>
              ))}
            </ol>
          ) : (
            <p className="text-sm text-slate-500">{page ? "No text on this page." : "No result for this page."}</p>
          )}
        </div>
      </div>
    </div>
  );
}
