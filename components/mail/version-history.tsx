import Link from "next/link";
import type { FormState } from "@/components/forms/form-state";
import { ActionButton } from "@/components/ui/action-button";
import { Card } from "@/components/ui/card";
import { TimeAgo } from "@/components/ui/time-ago";
import { TextDiff } from "./text-diff";

export type HistoryVersion = {
  version: number;
  note: string;
  by: string;
  createdAt: Date;
  fields: Record<string, unknown>;
};

/**
 * Versions on the left; on the right the chosen one diffed against the current, field by field, with
 * a button that restores it as a new version. Templates and partials share it.
 */
export function VersionHistory({
  id,
  basePath,
  versions,
  currentVersion,
  current,
  fields,
  selected,
  restore,
  now,
}: {
  id: string;
  basePath: string;
  versions: HistoryVersion[];
  currentVersion: number;
  current: Record<string, unknown>;
  fields: [string, string][];
  selected: HistoryVersion | undefined;
  restore: (prev: FormState, data: FormData) => Promise<FormState>;
  now: Date;
}) {
  return (
    <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_minmax(0,2.5fr)]">
      <Card title="Versions">
        <ol className="-mx-5 divide-y divide-zinc-100 text-sm">
          {versions.map((v) => (
            <li key={v.version}>
              <Link
                href={`${basePath}?v=${v.version}`}
                aria-current={selected?.version === v.version ? "true" : undefined}
                className={`block px-5 py-2 hover:bg-zinc-50 ${selected?.version === v.version ? "bg-spark-50" : ""}`}
              >
                <span className="font-medium">Version {v.version}</span>
                {v.version === currentVersion ? <span className="ml-2 text-xs text-emerald-700">current</span> : null}
                <span className="block text-xs text-zinc-500">
                  {v.note || "saved"} · {v.by} · <TimeAgo date={v.createdAt} now={now} />
                </span>
              </Link>
            </li>
          ))}
        </ol>
      </Card>
      {selected ? (
        <Card
          title={
            selected.version === currentVersion
              ? `Version ${selected.version} (current)`
              : `Version ${selected.version} → current (version ${currentVersion})`
          }
          description={
            selected.version === currentVersion
              ? "This is what is saved now; pick an older version to compare."
              : "Lines removed since this version are red, lines added since are green."
          }
          actions={
            selected.version === currentVersion ? null : (
              <ActionButton
                action={restore}
                fields={{ id, version: String(selected.version) }}
                label={`Restore version ${selected.version}`}
                pendingLabel="Restoring…"
              />
            )
          }
        >
          <div className="space-y-4">
            {fields.map(([key, label]) => (
              <TextDiff
                key={key}
                label={label}
                before={String(selected.fields[key] ?? "")}
                after={String(current[key] ?? "")}
              />
            ))}
          </div>
        </Card>
      ) : null}
    </div>
  );
}
