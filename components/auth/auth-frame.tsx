import type { ReactNode } from "react";
import { Logo } from "@/components/ui/logo";

/** The centred card used by the pages a visitor sees before signing in. */
export function AuthFrame({ title, subtitle, children }: { title: string; subtitle?: ReactNode; children: ReactNode }) {
  return (
    <main className="flex min-h-screen items-center justify-center px-4 py-12">
      <div className="w-full max-w-sm">
        <div className="mb-6 flex items-center justify-center gap-2 text-xl font-semibold">
          <Logo size="h-7 w-7" />
        </div>
        <div className="rounded-lg bg-white px-6 py-6 shadow-sm ring-1 ring-zinc-200">
          <h1 className="text-lg font-semibold">{title}</h1>
          {subtitle ? <div className="mt-1 text-sm text-zinc-600">{subtitle}</div> : null}
          <div className="mt-5">{children}</div>
        </div>
      </div>
    </main>
  );
}
