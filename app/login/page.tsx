import { redirect } from "next/navigation";
import { getEngine } from "@/app/_server/engine";
import { getSession } from "@/app/_server/session";
import { loadLogin } from "@/app/_views/accounts";
import { AuthFrame } from "@/components/auth/auth-frame";
import { LoginForm } from "@/components/auth/login-form";
import { Notice } from "@/components/ui/notice";
import { safeNext } from "@/app/_server/http/safe-next";

export const dynamic = "force-dynamic";
export const metadata = { title: "Sign in" };

export default async function LoginPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const next = safeNext((await searchParams).next);
  if (await getSession()) redirect(next);
  const { deps } = await getEngine();
  const { noOperators } = await loadLogin(deps.db);
  return (
    <AuthFrame title="Sign in to Spark">
      {noOperators ? (
        <div className="mb-4">
          <Notice tone="info">
            Spark has no operators yet. Open the one-time setup link the server printed when it started, or run{" "}
            <code className="font-mono">npm run user -- create you@example.com</code> on the server.
          </Notice>
        </div>
      ) : null}
      <LoginForm next={next} />
    </AuthFrame>
  );
}
