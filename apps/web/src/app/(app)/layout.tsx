// Every signed-in page: header with the nav and the user, then the page.
import Link from "next/link";
import type { ReactNode } from "react";
import { NavLinks } from "@/components/nav-links";
import { requireUserPage } from "@/server/auth/page";

export const dynamic = "force-dynamic";

export default async function AppLayout({ children }: { children: ReactNode }) {
  const user = await requireUserPage();
  return (
    <>
      <header className="sticky top-0 z-10 border-b border-slate-200 bg-white/90 backdrop-blur">
        <nav aria-label="Main" className="mx-auto flex max-w-7xl flex-wrap items-center gap-x-2 gap-y-2 px-3 py-2 sm:gap-x-4 sm:px-6">
          <Link href="/" aria-label="Headroom home" className="flex items-center gap-2 font-semibold tracking-tight text-slate-900 sm:mr-2">
            <span aria-hidden className="grid size-7 place-items-center rounded-md bg-indigo-600 text-xs font-bold text-white">H</span>
            <span className="hidden sm:inline">Headroom</span>
          </Link>
          <NavLinks isAdmin={user.role === "ADMIN"} />
          <div className="ml-auto flex items-center gap-2 sm:gap-3">
            <span className="hidden text-sm text-slate-500 sm:inline">
              {user.label}
              {user.role === "ADMIN" ? <span className="ml-1 rounded bg-slate-100 px-1.5 py-0.5 text-xs font-medium text-slate-600">admin</span> : null}
            </span>
            <form action="/api/auth/logout" method="post">
              <button type="submit" className="rounded-md px-3 py-2 text-sm font-medium text-slate-600 hover:bg-slate-100 hover:text-slate-900">
                Sign out
              </button>
            </form>
          </div>
        </nav>
      </header>
      <main className="mx-auto max-w-7xl px-4 py-6 sm:px-6 sm:py-8">{children}</main>
    </>
  );
}
