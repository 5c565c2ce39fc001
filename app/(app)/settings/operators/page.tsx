import { getEngine } from "@/app/_server/engine";
import { requireAdmin } from "@/app/_server/session";
import { loadOperators } from "@/app/_views/operators";
import {
  CreateOperatorForm,
  InviteOperatorForm,
  LiftThrottleButton,
  OperatorButton,
} from "@/components/settings/operator-forms";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { TimeAgo } from "@/components/ui/time-ago";
import { PASSWORD_MIN_LENGTH } from "@/spark/accounts/schemas";
import {
  createOperatorAction,
  inviteOperatorAction,
  liftThrottleAction,
  reissueInviteAction,
  setDisabledAction,
  setRoleAction,
} from "./actions";
import { DataTable } from "@/components/ui/data-table";

export const dynamic = "force-dynamic";
export const metadata = { title: "Operators" };

export default async function OperatorsPage() {
  const { operator: me } = await requireAdmin();
  const { deps } = await getEngine();
  const now = deps.clock();
  const { operators, throttled, throttle } = await loadOperators(deps.db, { now });
  return (
    <div className="space-y-6">
      <Card
        title="Operators"
        description="Everyone who can sign in to this Spark. Disabling someone ends their sessions at once."
      >
        <DataTable
          inCard
          columns={["Email", "Role", "Status", "Last sign-in", "Added", { label: "Actions", hidden: true }]}
        >
          {operators.map((user) => {
            const status = user.status;
            return (
              <tr key={user.id} className="align-top">
                <td className="px-5 py-3 font-medium">
                  {user.email}
                  {user.id === me.id ? <span className="ml-2 text-xs text-zinc-500">(you)</span> : null}
                </td>
                <td className="px-5 py-3">
                  <Badge tone={user.role === "admin" ? "orange" : "neutral"}>{user.role}</Badge>
                </td>
                <td className="px-5 py-3">
                  <Badge tone={status === "active" ? "green" : status === "invited" ? "amber" : "red"}>{status}</Badge>
                </td>
                <td className="px-5 py-3 text-zinc-600">
                  <TimeAgo date={user.lastLoginAt} now={now} />
                </td>
                <td className="px-5 py-3 text-zinc-600">
                  <TimeAgo date={user.createdAt} now={now} />
                </td>
                <td className="px-5 py-3 text-right">
                  <div className="flex justify-end gap-2">
                    {status === "invited" ? (
                      <OperatorButton
                        action={reissueInviteAction}
                        userId={user.id}
                        email={user.email}
                        label="New invite link"
                        variant="secondary"
                      />
                    ) : null}
                    {user.id === me.id ? null : (
                      <OperatorButton
                        action={setRoleAction.bind(null, user.role === "admin" ? "operator" : "admin")}
                        userId={user.id}
                        email={user.email}
                        version={user.version}
                        label={user.role === "admin" ? "Make operator" : "Make admin"}
                        variant="secondary"
                      />
                    )}
                    {user.id === me.id ? null : status === "disabled" ? (
                      <OperatorButton
                        action={setDisabledAction.bind(null, false)}
                        userId={user.id}
                        email={user.email}
                        version={user.version}
                        label="Enable"
                        variant="secondary"
                      />
                    ) : (
                      <OperatorButton
                        action={setDisabledAction.bind(null, true)}
                        userId={user.id}
                        email={user.email}
                        version={user.version}
                        label="Disable"
                        variant="danger"
                      />
                    )}
                  </div>
                </td>
              </tr>
            );
          })}
        </DataTable>
      </Card>
      <Card
        title="Sign-in throttling"
        description={`After ${throttle.pairFreeFailures} failed sign-ins of one email from one client, or ${throttle.clientFreeFailures} from one client, each further failure doubles the wait (30 seconds up to 15 minutes). Other clients are never slowed. Lifting forgets the failures.`}
      >
        {throttled.length === 0 ? (
          <p className="text-sm text-zinc-500">Nobody is throttled.</p>
        ) : (
          <DataTable
            inCard
            columns={["Email", "Client", "Failures", "Last failure", "Waits until", { label: "Actions", hidden: true }]}
          >
            {throttled.map((t) => (
              <tr key={`${t.email ?? ""} ${t.ip}`} className="align-top">
                <td className="px-5 py-3 font-medium">{t.email ?? <span className="text-zinc-500">any email</span>}</td>
                <td className="px-5 py-3 font-mono text-xs">{t.ip}</td>
                <td className="px-5 py-3">{t.failures}</td>
                <td className="px-5 py-3 text-zinc-600">
                  <TimeAgo date={t.lastFailure} now={now} />
                </td>
                <td className="px-5 py-3 text-zinc-600">
                  {t.until ? <TimeAgo date={t.until} now={now} /> : "may try now; the next failure waits longer"}
                </td>
                <td className="px-5 py-3 text-right">
                  <LiftThrottleButton action={liftThrottleAction} email={t.email} ip={t.ip} />
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </Card>
      <div className="grid gap-6 lg:grid-cols-2">
        <Card
          title="Invite an operator"
          description="They get a one-time link, valid for 7 days, where they choose their own password."
        >
          <InviteOperatorForm action={inviteOperatorAction} />
        </Card>
        <Card
          title="Create an operator"
          description="Sets the password now; use this when you can hand it over safely."
        >
          <CreateOperatorForm action={createOperatorAction} minLength={PASSWORD_MIN_LENGTH} />
        </Card>
      </div>
    </div>
  );
}
