import type { ReactNode } from "react";
import { Logo } from "@/components/ui/logo";
import { NavLinks } from "./nav-links";

const sections = [
  { href: "/", label: "Dashboard" },
  { href: "/generators", label: "Generators" },
  { href: "/templates", label: "Templates" },
  { href: "/events", label: "Events" },
  { href: "/deliveries", label: "Deliveries" },
  { href: "/subscriptions", label: "Subscriptions" },
  { href: "/inbox", label: "Inbox" },
  { href: "/jobs", label: "Job runs" },
  { href: "/settings", label: "Settings" },
] as const;

export function AppShell({
  email,
  logOut,
  children,
}: {
  email: string;
  logOut: () => Promise<void>;
  children: ReactNode;
}) {
  return (
    <div className="min-h-screen md:flex">
      <aside className="flex flex-col gap-4 bg-zinc-900 px-3 py-4 md:fixed md:inset-y-0 md:w-56">
        <div className="flex items-center gap-2 px-3 text-lg font-semibold text-white">
          <Logo size="h-6 w-6" />
        </div>
        <nav aria-label="Main" className="md:flex-1">
          <NavLinks links={sections} variant="sidebar" />
        </nav>
        <div className="border-t border-zinc-800 px-3 pt-3 text-sm">
          <p className="truncate text-zinc-400" title={email}>
            {email}
          </p>
          <form action={logOut}>
            <button type="submit" className="mt-2 text-zinc-300 hover:text-white">
              Log out
            </button>
          </form>
        </div>
      </aside>
      <main className="min-w-0 flex-1 px-4 py-6 md:ml-56 md:px-10 md:py-8">
        <div className="mx-auto max-w-6xl">{children}</div>
      </main>
    </div>
  );
}
