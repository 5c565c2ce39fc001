"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

export type NavLink = { href: string; label: string };

const styles = {
  sidebar: {
    list: "flex gap-1 overflow-x-auto md:flex-col",
    link: "block rounded-md px-3 py-2 text-sm font-medium whitespace-nowrap",
    active: "bg-zinc-800 text-white",
    idle: "text-zinc-300 hover:bg-zinc-800/60 hover:text-white",
  },
  tabs: {
    list: "flex gap-2 border-b border-zinc-200",
    link: "-mb-px block border-b-2 px-3 py-2 text-sm font-medium",
    active: "border-spark-600 text-zinc-900",
    idle: "border-transparent text-zinc-600 hover:border-zinc-300 hover:text-zinc-900",
  },
} as const;

/** Links that mark the current section, as the sidebar or as tabs. */
export function NavLinks({ links, variant }: { links: readonly NavLink[]; variant: keyof typeof styles }) {
  const pathname = usePathname();
  const style = styles[variant];
  return (
    <ul className={style.list}>
      {links.map(({ href, label }) => {
        const active = href === activeHref(pathname, links);
        return (
          <li key={href}>
            <Link
              href={href}
              aria-current={active ? "page" : undefined}
              className={`${style.link} ${active ? style.active : style.idle}`}
            >
              {label}
            </Link>
          </li>
        );
      })}
    </ul>
  );
}

/** The most specific link at or above the path, so /generators/sources marks "Sources", not "Generators". */
function activeHref(pathname: string, links: readonly NavLink[]): string | undefined {
  const matching = links.filter(({ href }) => pathname === href || (href !== "/" && pathname.startsWith(`${href}/`)));
  return matching.sort((a, b) => b.href.length - a.href.length)[0]?.href;
}
