import { requireSession } from "@/app/_server/session";
import { ChangePasswordForm } from "@/components/settings/change-password-form";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { TimeAgo } from "@/components/ui/time-ago";
import { PASSWORD_MIN_LENGTH } from "@/spark/accounts/schemas";
import { changePassword } from "./actions";

export const dynamic = "force-dynamic";
export const metadata = { title: "Your account" };

export default async function AccountPage() {
  const { operator, session } = await requireSession();
  return (
    <div className="space-y-6">
      <Card title="Your account">
        <dl className="grid gap-3 text-sm sm:grid-cols-3">
          <div>
            <dt className="text-zinc-500">Email</dt>
            <dd className="font-medium">{operator.email}</dd>
          </div>
          <div>
            <dt className="text-zinc-500">Role</dt>
            <dd>
              <Badge tone={operator.role === "admin" ? "orange" : "neutral"}>{operator.role}</Badge>
            </dd>
          </div>
          <div>
            <dt className="text-zinc-500">This session ends</dt>
            <dd>
              <TimeAgo date={session.expiresAt} />
            </dd>
          </div>
        </dl>
      </Card>
      <Card title="Change password" description="Changing it signs you out everywhere else.">
        <ChangePasswordForm action={changePassword} minLength={PASSWORD_MIN_LENGTH} />
      </Card>
    </div>
  );
}
