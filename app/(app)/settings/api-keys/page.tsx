import { getEngine } from "@/app/_server/engine";
import { requireAdmin } from "@/app/_server/session";
import { loadApiKeys } from "@/app/_views/api-keys";
import { CreateApiKeyForm } from "@/components/settings/api-key-forms";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { ConfirmButton } from "@/components/ui/confirm-button";
import { DataTable } from "@/components/ui/data-table";
import { EmptyState } from "@/components/ui/empty-state";
import { TimeAgo } from "@/components/ui/time-ago";
import { createApiKeyAction, revokeApiKeyAction } from "./actions";

export const dynamic = "force-dynamic";
export const metadata = { title: "API keys" };

export default async function ApiKeysPage() {
  await requireAdmin();
  const { deps, config } = await getEngine();
  const keys = await loadApiKeys(deps.db);
  const now = deps.clock();
  return (
    <div className="space-y-6">
      <Card
        title="Create an API key"
        description="A key lets a program, not a person, use Spark's machine API: it sends the key as Authorization: Bearer <key>. Give each program its own key, with only the scopes it needs."
      >
        <CreateApiKeyForm action={createApiKeyAction} publicUrl={config.publicUrl} />
      </Card>
      {keys.length === 0 ? (
        <EmptyState title="No API keys yet">
          <p>
            An API key lets your application record events in Spark (POST /api/events) or read them back, without an
            operator&apos;s password. Create one above: name it after the program that will use it and pick its scopes.
            Its secret is shown once; from the shell, <code>npm run api-key -- create &lt;name&gt;</code> does the same.
          </p>
        </EmptyState>
      ) : (
        <Card
          title="API keys"
          description="Revoking a key refuses its next request at once. Spark keeps only a hash of each key, so a lost key cannot be shown again: revoke it and create another."
        >
          <DataTable
            inCard
            columns={["Name", "Key", "Scopes", "Created", "Last used", "Status", { label: "Actions", hidden: true }]}
          >
            {keys.map((key) => (
              <tr key={key.id} className="align-top">
                <td className="px-5 py-3 font-medium break-all">{key.name}</td>
                <td className="px-5 py-3 font-mono text-xs whitespace-nowrap text-zinc-700">{key.prefix}…</td>
                <td className="px-5 py-3">
                  <div className="flex flex-wrap gap-1">
                    {key.scopes.map((scope) => (
                      <Badge key={scope} tone={scope === "admin" ? "orange" : "neutral"}>
                        {scope}
                      </Badge>
                    ))}
                  </div>
                </td>
                <td className="px-5 py-3 text-zinc-600">
                  <TimeAgo date={key.createdAt} now={now} />
                  <div className="text-xs break-all text-zinc-500">
                    {key.createdBy ? `by ${key.createdBy}` : "from the command line"}
                  </div>
                </td>
                <td className="px-5 py-3 text-zinc-600">
                  <TimeAgo date={key.lastUsedAt} now={now} />
                  {key.lastUsedAddress ? (
                    <div className="font-mono text-xs break-all text-zinc-500">from {key.lastUsedAddress}</div>
                  ) : null}
                </td>
                <td className="px-5 py-3">
                  {key.revokedAt ? (
                    <>
                      <Badge tone="red">revoked</Badge>
                      <div className="mt-1 text-xs text-zinc-500">
                        <TimeAgo date={key.revokedAt} now={now} />
                      </div>
                    </>
                  ) : (
                    <Badge tone="green">live</Badge>
                  )}
                </td>
                <td className="px-5 py-3 text-right">
                  {key.revokedAt ? null : (
                    <div className="ml-auto flex max-w-xs justify-end text-left">
                      <ConfirmButton
                        action={revokeApiKeyAction}
                        fields={{ id: key.id }}
                        label="Revoke"
                        confirmLabel={`Revoke “${key.name}”`}
                      >
                        Revoke the key “{key.name}” ({key.prefix}…)? Its next request is refused; this cannot be undone.
                      </ConfirmButton>
                    </div>
                  )}
                </td>
              </tr>
            ))}
          </DataTable>
        </Card>
      )}
    </div>
  );
}
