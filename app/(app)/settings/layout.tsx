import Link from "next/link";
import { requireSession } from "@/app/_server/session";
import { PageHeader } from "@/components/ui/page-header";

export default async function SettingsLayout({ children }: { children: React.ReactNode }) {
  const { operator } = await requireSession();
  const tabs = [
    { href: "/settings/account", label: "Your account" },
    ...(operator.role === "admin" ? [{ href: "/settings/operators", label: "Operators" }] : []),
  ];
  return (
    <>
      <PageHeader title="Settings" />
      <nav aria-label="Settings" className="mb-6 flex gap-2 border-b border-zinc-200">
        {tabs.map((tab) => (
          <Link key={tab.href} href={tab.href} className="-mb-px border-b-2 border-transparent px-3 py-2 text-sm font-medium text-zinc-600 hover:border-zinc-300 hover:text-zinc-900">
            {tab.label}
          </Link>
        ))}
      </nav>
      {children}
    </>
  );
}
