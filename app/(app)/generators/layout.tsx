import { NavLinks } from "@/components/shell/nav-links";

const tabs = [
  { href: "/generators", label: "Generators" },
  { href: "/generators/sources", label: "Sources" },
] as const;

export default function GeneratorsLayout({ children }: { children: React.ReactNode }) {
  return (
    <>
      <nav aria-label="Generator pages" className="mb-6">
        <NavLinks links={tabs} variant="tabs" />
      </nav>
      {children}
    </>
  );
}
