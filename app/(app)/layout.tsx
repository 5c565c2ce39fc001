import { requireSession } from "@/app/_server/session";
import { AppShell } from "@/components/shell/app-shell";
import { logOut } from "./actions";

export const dynamic = "force-dynamic";

export default async function AppLayout({ children }: { children: React.ReactNode }) {
  const { operator } = await requireSession();
  return (
    <AppShell email={operator.email} logOut={logOut}>
      {children}
    </AppShell>
  );
}
