"use client";

export default function GlobalError({ reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <html lang="en">
      <body style={{ fontFamily: "system-ui, sans-serif", padding: "4rem 1.5rem", textAlign: "center" }}>
        <h1>Headroom could not load</h1>
        <p>The control plane hit an unexpected error.</p>
        <button type="button" onClick={reset}>Try again</button>
      </body>
    </html>
  );
}
