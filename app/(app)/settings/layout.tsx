import { requireSession } from "@/app/_server/session";
import { NavLinks } from "@/components/shell/nav-links";
import { PageHeader } from "@/components/ui/page-header";

export default async function SettingsLayout({ children }: { children: React.ReactNode }) {
  const { operator } = await requireSession();
  const tabs = [
    { href: "/settings/account", label: "Your account" },
    ...(operator.role === "admin"
      ? [
          { href: "/settings/operators", label: "Operators" },
          { href: "/settings/connections", label: "Connections" },
          { href: "/settings/api-keys", label: "API keys" },
          { href: "/settings/import", label: "Import from django-spark" },
        ]
      : []),
  ];
  return (
    <>
      <PageHeader title="Settings" />
      <nav aria-label="Settings" className="mb-6">
        <NavLinks links={tabs} variant="tabs" />
      </nav>
      {children}
    </>
  );
}
