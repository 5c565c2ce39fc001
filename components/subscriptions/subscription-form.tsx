"use client";

import Link from "next/link";
import { useRef, useState } from "react";
import { currentFieldError, type FormState } from "@/components/forms/form-state";
import { CreateForm } from "@/components/forms/create-form";
import { useFormAction } from "@/components/forms/use-form-action";
import { Button } from "@/components/ui/button";
import { SelectField, TextField } from "@/components/ui/field";
import { Notice } from "@/components/ui/notice";
import { decodeCreatedWebhook } from "./created-secret";
import { SecretBox } from "./secret-box";

type Action = (prev: FormState, data: FormData) => Promise<FormState>;
type HeaderRow = { key: number; name: string; value: string };

const control =
  "rounded-md border-0 bg-white px-3 py-2 text-sm text-zinc-900 shadow-xs ring-1 ring-inset ring-zinc-300 focus:ring-2 focus:ring-inset focus:ring-spark-500";

/**
 * Create a subscription. Every field is controlled and React never resets the form, so a refused
 * create keeps what was submitted; each error sits by its field while that still holds the value it
 * was found in. A webhook's secret arrives in the ok answer and is shown once, above the form.
 */
export function SubscriptionForm({
  action,
  subscribers,
  canSealSecrets,
  allowPrivate,
}: {
  action: Action;
  subscribers: string[];
  canSealSecrets: boolean;
  allowPrivate: boolean;
}) {
  const { state, formAction, onSubmit, pending } = useFormAction(action);
  const [name, setName] = useState("");
  const [kind, setKind] = useState<"webhook" | "code">("webhook");
  const [url, setUrl] = useState("");
  const [subscriber, setSubscriber] = useState(subscribers[0] ?? "");
  const [groups, setGroups] = useState("");
  const [from, setFrom] = useState<"now" | "beginning" | "time">("now");
  const [fromTime, setFromTime] = useState("");
  const [strictOrder, setStrictOrder] = useState(false);
  const [attemptLimit, setAttemptLimit] = useState("8");
  const nextKey = useRef(0);
  const [headers, setHeaders] = useState<HeaderRow[]>([]);
  const created = state.status === "ok" ? decodeCreatedWebhook(state.message) : null;
  const error = (field: string, value: string) => currentFieldError(state, field, value);
  const headersError = state.status === "invalid" ? state.fieldErrors.headers?.[0] : undefined;

  if (created)
    return (
      <SecretBox secret={created.secret} label="New signing secret">
        <p className="text-sm">
          <Link href={`/subscriptions/${created.id}`} className="font-medium text-spark-700 hover:underline">
            Open “{created.name}”
          </Link>{" "}
          <span className="text-zinc-600">to follow its deliveries.</span>
        </p>
      </SecretBox>
    );

  return (
    <CreateForm state={state} formAction={formAction} onSubmit={onSubmit} pending={pending}>
      <div className="grid gap-4 md:grid-cols-2">
        <TextField
          label="Name"
          name="name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={error("name", name)}
          hint="Unique; say where the events go, like billing-webhook."
          maxLength={100}
          autoComplete="off"
        />
        <SelectField
          label="Kind"
          name="kind"
          value={kind}
          onChange={(e) => setKind(e.target.value as "webhook" | "code")}
          error={error("kind", kind)}
        >
          <option value="webhook">Webhook: POST each event to a URL, signed</option>
          <option value="code">Code: hand each event to a subscriber registered in TypeScript</option>
        </SelectField>
      </div>

      {kind === "webhook" ? (
        <>
          {canSealSecrets ? null : (
            <Notice tone="warning">
              Set SPARK_SECRET_KEY on the server first: a webhook&apos;s signing secret is kept sealed under it.
            </Notice>
          )}
          <TextField
            label="URL"
            name="url"
            type="url"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            error={error("url", url)}
            placeholder="https://example.com/webhooks/spark"
            hint={
              allowPrivate
                ? "http or https. This server allows private addresses (SPARK_WEBHOOK_ALLOW_PRIVATE=1)."
                : "http or https, resolving to a public address; loopback and private networks are refused unless the server sets SPARK_WEBHOOK_ALLOW_PRIVATE=1."
            }
            className="font-mono"
            autoComplete="off"
          />
        </>
      ) : subscribers.length > 0 ? (
        <SelectField
          label="Subscriber"
          name="subscriber"
          value={subscriber}
          onChange={(e) => setSubscriber(e.target.value)}
          error={error("subscriber", subscriber)}
          hint="The code subscribers registered in extensions/index.ts."
        >
          {subscribers.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </SelectField>
      ) : (
        <div className="space-y-1.5">
          <input type="hidden" name="subscriber" value="" />
          <Notice tone="info">
            No code subscriber is registered. Add one to <code>subscribers</code> in <code>extensions/index.ts</code>{" "}
            (an object with a <code>name</code> and <code>handle(event)</code>), then restart Spark.
          </Notice>
          {error("subscriber", "") ? <p className="text-sm text-red-700">{error("subscriber", "")}</p> : null}
        </div>
      )}

      <TextField
        label="Event groups"
        name="groups"
        value={groups}
        onChange={(e) => setGroups(e.target.value)}
        error={error("groups", groups)}
        hint="Exact, or with * wildcards: challenge_* (* alone is every event)."
        className="font-mono"
        maxLength={100}
        autoComplete="off"
      />

      <fieldset className="space-y-2">
        <legend className="text-sm font-medium text-zinc-800">Start from</legend>
        <div className="flex flex-wrap gap-x-6 gap-y-2 text-sm">
          {(
            [
              ["now", "Now: only events recorded from here on"],
              ["beginning", "The beginning: every event ever recorded"],
              ["time", "A time"],
            ] as const
          ).map(([value, label]) => (
            <label key={value} className="flex items-center gap-2">
              <input
                type="radio"
                name="from"
                value={value}
                checked={from === value}
                onChange={() => setFrom(value)}
                className="size-4 accent-spark-600"
              />
              {label}
            </label>
          ))}
        </div>
        {from === "time" ? (
          <div className="max-w-xs">
            <TextField
              label="Events recorded from (UTC)"
              name="fromTime"
              type="datetime-local"
              value={fromTime}
              onChange={(e) => setFromTime(e.target.value)}
              error={error("fromTime", fromTime)}
            />
          </div>
        ) : null}
      </fieldset>

      <div className="grid gap-4 md:grid-cols-2">
        <div className="space-y-1">
          <label className="flex items-center gap-2 text-sm font-medium text-zinc-800">
            <input
              type="checkbox"
              name="strictOrder"
              checked={strictOrder}
              onChange={(e) => setStrictOrder(e.target.checked)}
              aria-describedby="subscription-strict-hint"
              className="size-4 rounded border-zinc-300 accent-spark-600"
            />
            Strict order
          </label>
          <p id="subscription-strict-hint" className="text-sm text-zinc-500">
            Wait on a failing event, retrying it, instead of parking it and going on: nothing arrives out of order.
          </p>
        </div>
        <TextField
          label="Attempt limit"
          name="attemptLimit"
          type="number"
          min={1}
          max={100}
          value={attemptLimit}
          onChange={(e) => setAttemptLimit(e.target.value)}
          error={error("attemptLimit", attemptLimit)}
          hint="Attempts before a failing event is parked (retries at 5 s, 5 min, 30 min, 2 h, 5 h, 10 h…)."
        />
      </div>

      {kind === "webhook" ? (
        <fieldset className="space-y-2">
          <legend className="text-sm font-medium text-zinc-800">Extra headers (optional)</legend>
          <p className="text-sm text-zinc-500">
            Sent with every request, such as an authorization token the receiver expects. Kept sealed.
          </p>
          {headers.map((row, index) => (
            <div key={row.key} className="flex min-w-0 flex-wrap items-center gap-2">
              <input
                aria-label={`Header ${index + 1} name`}
                name={`headers.${index}.name`}
                value={row.name}
                onChange={(e) =>
                  setHeaders((all) => all.map((r) => (r.key === row.key ? { ...r, name: e.target.value } : r)))
                }
                placeholder="Authorization"
                className={`${control} w-56 shrink-0 font-mono`}
                autoComplete="off"
              />
              <input
                aria-label={`Header ${index + 1} value`}
                name={`headers.${index}.value`}
                value={row.value}
                onChange={(e) =>
                  setHeaders((all) => all.map((r) => (r.key === row.key ? { ...r, value: e.target.value } : r)))
                }
                placeholder="Bearer …"
                className={`${control} min-w-0 flex-1 font-mono`}
                autoComplete="off"
              />
              <Button
                type="button"
                variant="ghost"
                onClick={() => setHeaders((all) => all.filter((r) => r.key !== row.key))}
              >
                Remove
              </Button>
            </div>
          ))}
          {headersError ? <p className="text-sm text-red-700">{headersError}</p> : null}
          <Button
            type="button"
            variant="secondary"
            onClick={() => setHeaders((all) => [...all, { key: nextKey.current++, name: "", value: "" }])}
          >
            Add header
          </Button>
        </fieldset>
      ) : null}

      <Button type="submit" disabled={pending}>
        {pending ? "Creating…" : "Create subscription"}
      </Button>
    </CreateForm>
  );
}
