"use client";
import Link from "next/link";
import { usePathname } from "next/navigation";

const LINKS = [
  { href: "/", label: "Upload", adminOnly: false },
  { href: "/jobs", label: "Jobs", adminOnly: false },
  { href: "/nodes", label: "Nodes", adminOnly: false },
  { href: "/settings", label: "Settings", adminOnly: false },
  // Hidden from viewers only as a courtesy: the server refuses them whatever they open.
  { href: "/admin", label: "Admin", adminOnly: true },
] as const;

export function NavLinks({ isAdmin = false }: { isAdmin?: boolean }) {
  const pathname = usePathname();
  return (
    <ul className="flex flex-wrap items-center gap-0.5 sm:gap-1">
      {LINKS.filter((l) => isAdmin || !l.adminOnly).map(({ href, label }) => {
        const active = href === "/" ? pathname === "/" : pathname === href || pathname.startsWith(`${href}/`);
        return (
          <li key={href}>
            <Link
              href={href}
              aria-current={active ? "page" : undefined}
              className={`rounded-md px-2.5 py-2 text-sm font-medium sm:px-3 ${active ? "bg-slate-900 text-white" : "text-slate-600 hover:bg-slate-100 hover:text-slate-900"}`}
            >
              {label}
            </Link>
          </li>
        );
      })}
    </ul>
  );
}
