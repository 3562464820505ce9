import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { LoginForm } from "@/components/login-form";
import { safeNextPath } from "@/lib/safe-next";
import { getPageUser } from "@/server/auth/page";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Sign in" };

const FORM_ERRORS: Record<string, string> = {
  UNAUTHENTICATED: "Wrong email or password.",
  RATE_LIMITED: "Too many sign-in attempts. Wait a minute and try again.",
  INVALID_INPUT: "Enter your email and password.",
  FORBIDDEN: "Sign-in was refused: the request came from another site.",
};

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ next?: string | string[]; error?: string | string[] }> }) {
  const params = await searchParams;
  const next = safeNextPath(typeof params.next === "string" ? params.next : undefined);
  if (await getPageUser()) redirect(next);
  const errorCode = typeof params.error === "string" ? params.error : undefined;
  const initialError = errorCode ? (FORM_ERRORS[errorCode] ?? "Sign-in failed. Try again.") : undefined;
  return (
    <main className="flex min-h-dvh items-center justify-center px-4 py-12">
      <div className="w-full max-w-sm">
        <div className="mb-8 flex items-center justify-center gap-2 text-xl font-semibold tracking-tight">
          <span aria-hidden className="grid size-8 place-items-center rounded-md bg-indigo-600 text-sm font-bold text-white">H</span>
          Headroom
        </div>
        <div className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm sm:p-8">
          <h1 className="text-lg font-semibold">Sign in</h1>
          <p className="mt-1 text-sm text-slate-500">OCR on the GPU fleet, placed by memory headroom.</p>
          <LoginForm next={next} initialError={initialError} />
        </div>
      </div>
    </main>
  );
}
