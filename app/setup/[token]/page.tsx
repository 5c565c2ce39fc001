import Link from "next/link";
import { getEngine } from "@/app/_server/engine";
import { AuthFrame } from "@/components/auth/auth-frame";
import { RedeemForm } from "@/components/auth/redeem-form";
import { Notice } from "@/components/ui/notice";
import { loadAccountLink } from "@/app/_views/accounts";
import { PASSWORD_MIN_LENGTH } from "@/spark/accounts/schemas";
import { redeemLink } from "./actions";

export const dynamic = "force-dynamic";
export const metadata = { title: "Set up your account" };

const problems = {
  used: {
    title: "This link has already been used",
    body: "Each setup or invite link works once. If the account is yours, sign in.",
  },
  expired: {
    title: "This link has expired",
    body: "Ask an admin for a new invite. For the first admin, restart the server to print a new setup link, or run npm run user -- create <email>.",
  },
  unknown: {
    title: "This link is not valid",
    body: "Check that you copied the whole link from the server log or the invite.",
  },
} as const;

export default async function SetupPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const { deps } = await getEngine();
  const state = await loadAccountLink(deps.db, { token, now: deps.clock() });
  if (state.status !== "valid") {
    const problem = problems[state.status];
    return (
      <AuthFrame title={problem.title}>
        <Notice tone="warning">{problem.body}</Notice>
        <Link href="/login" className="mt-4 inline-block text-sm font-medium text-spark-700 hover:underline">
          Go to sign in
        </Link>
      </AuthFrame>
    );
  }
  const action = redeemLink.bind(null, token);
  return state.purpose === "setup" ? (
    <AuthFrame title="Create the first admin" subtitle="This account can invite other operators. The link works once.">
      <RedeemForm action={action} submitLabel="Create admin and sign in" minLength={PASSWORD_MIN_LENGTH} />
    </AuthFrame>
  ) : (
    <AuthFrame title="Choose your password" subtitle="You were invited to operate this Spark.">
      <RedeemForm
        action={action}
        email={state.email}
        submitLabel="Save password and sign in"
        minLength={PASSWORD_MIN_LENGTH}
      />
    </AuthFrame>
  );
}
