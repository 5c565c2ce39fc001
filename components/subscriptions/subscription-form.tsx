"use client";

import Link from "next/link";
import { useRef, useState } from "react";
import { currentFieldError, fieldValue, type FormState } from "@/components/forms/form-state";
import { CreateForm } from "@/components/forms/create-form";
import { useFormAction } from "@/components/forms/use-form-action";
import { Button } from "@/components/ui/button";
import { SelectField, TextField } from "@/components/ui/field";
import { Notice } from "@/components/ui/notice";
import { decodeCreatedWebhook } from "./created-secret";
import { SecretBox } from "./secret-box";
import { BrokerAddressFields } from "./broker-address-fields";

type Action = (prev: FormState, data: FormData) => Promise<FormState>;
type HeaderRow = { key: number; name: string; value: string };
export type SubscriptionKind = "webhook" | "code" | "rabbitmq" | "nats";

/** A stored subscription as its edit form opens: never a password, a secret or a header's value. */
export type SubscriptionEditView = {
  id: string;
  version: number;
  kind: SubscriptionKind;
  name: string;
  groups: string;
  /** The webhook's URL, or the broker's without its password. */
  url: string;
  subscriber: string;
  exchange: string;
  routingKey: string;
  subject: string;
  strictOrder: boolean;
  attemptLimit: number;
  /** The extra headers' names; null when they cannot be opened here (no SPARK_SECRET_KEY), and so stay as they are. */
  headerNames: string[] | null;
  hasPassword: boolean;
  /** The fields as loaded, posted back so a stale save can say which of them changed. */
  base: string;
};

const KIND_LABELS: Record<SubscriptionKind, string> = {
  webhook: "Webhook: POST each event to a URL, signed",
  code: "Code: hand each event to a subscriber registered in TypeScript",
  rabbitmq: "RabbitMQ: publish each event to an exchange, with confirms",
  nats: "NATS JetStream: publish each event to a subject",
};

const control =
  "rounded-md border-0 bg-white px-3 py-2 text-sm text-zinc-900 shadow-xs ring-1 ring-inset ring-zinc-300 focus:ring-2 focus:ring-inset focus:ring-spark-500";

/**
 * Create a subscription, or edit one (`editing`). Every field is controlled and React never resets the
 * form, so a refused save keeps what was submitted; each error sits by its field while that still holds
 * the value it was found in. A webhook's secret arrives in the ok answer and is shown once, above the
 * form. An edit keeps the kind and the checkpoint; a blank password or header value keeps the stored one.
 */
export function SubscriptionForm({
  action,
  subscribers,
  canSealSecrets,
  allowPrivate,
  editing,
}: {
  action: Action;
  subscribers: string[];
  canSealSecrets: boolean;
  allowPrivate: boolean;
  editing?: SubscriptionEditView;
}) {
  const { state, formAction, onSubmit, pending } = useFormAction(action);
  const [name, setName] = useState(editing?.name ?? "");
  const [kind, setKind] = useState<SubscriptionKind>(editing?.kind ?? "webhook");
  const [url, setUrl] = useState(editing?.url ?? "");
  const [password, setPassword] = useState("");
  const [exchange, setExchange] = useState(editing?.exchange ?? "amq.topic");
  const [routingKey, setRoutingKey] = useState(editing?.routingKey ?? "");
  const [subject, setSubject] = useState(editing?.subject ?? "spark.{group}");
  const [subscriber, setSubscriber] = useState(editing?.subscriber ?? subscribers[0] ?? "");
  const [groups, setGroups] = useState(editing?.groups ?? "");
  const [from, setFrom] = useState<"now" | "beginning" | "time">("now");
  const [fromTime, setFromTime] = useState("");
  const [strictOrder, setStrictOrder] = useState(editing?.strictOrder ?? false);
  const [attemptLimit, setAttemptLimit] = useState(String(editing?.attemptLimit ?? 8));
  const nextKey = useRef(editing?.headerNames?.length ?? 0);
  const [headers, setHeaders] = useState<HeaderRow[]>(
    (editing?.headerNames ?? []).map((name, key) => ({ key, name, value: "" })),
  );
  // A stale save answers with the version saved meanwhile: saving again then replaces it, knowingly.
  const version = fieldValue(state, "version") ?? (editing ? String(editing.version) : undefined);
  const broker = kind === "rabbitmq" || kind === "nats";
  const headersEditable = kind === "webhook" && (!editing || editing.headerNames !== null);
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
    <CreateForm
      state={state}
      formAction={formAction}
      onSubmit={onSubmit}
      pending={pending}
      nothing={editing ? "saved" : "created"}
    >
      {editing ? (
        <>
          <input type="hidden" name="id" value={editing.id} />
          <input type="hidden" name="version" value={version} />
          <input type="hidden" name="base" value={editing.base} />
          {headersEditable ? <input type="hidden" name="headersShown" value="1" /> : null}
        </>
      ) : null}
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
        {editing ? (
          <div className="space-y-1.5 text-sm">
            <p className="font-medium text-zinc-800">Kind</p>
            <input type="hidden" name="kind" value={kind} />
            <p className="text-zinc-700">{KIND_LABELS[kind]}</p>
            <p className="text-zinc-500">A kind cannot change: create another subscription for another kind.</p>
          </div>
        ) : (
          <SelectField
            label="Kind"
            name="kind"
            value={kind}
            onChange={(e) => setKind(e.target.value as SubscriptionKind)}
            error={error("kind", kind)}
          >
            {(Object.keys(KIND_LABELS) as SubscriptionKind[]).map((k) => (
              <option key={k} value={k}>
                {KIND_LABELS[k]}
              </option>
            ))}
          </SelectField>
        )}
      </div>

      {broker ? (
        <BrokerFields
          kind={kind}
          values={{ url, password, exchange, routingKey, subject }}
          set={{
            url: setUrl,
            password: setPassword,
            exchange: setExchange,
            routingKey: setRoutingKey,
            subject: setSubject,
          }}
          error={error}
          passwordError={state.status === "invalid" ? state.fieldErrors.password?.[0] : undefined}
          canSealSecrets={canSealSecrets}
          keepsPassword={editing?.hasPassword ?? false}
        />
      ) : kind === "webhook" ? (
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

      {editing ? (
        <p className="text-sm text-zinc-500">
          Saving keeps the checkpoint: the events after it go to the destination and pattern saved here. To send earlier
          events again, or to skip ahead, use Rewind on the subscription&apos;s page.
        </p>
      ) : (
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
      )}

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

      {kind === "webhook" && !headersEditable ? (
        <Notice tone="info">
          The extra headers are sealed and this server cannot open them (SPARK_SECRET_KEY is not set): they stay as they
          are.
        </Notice>
      ) : null}
      {headersEditable ? (
        <fieldset className="space-y-2">
          <legend className="text-sm font-medium text-zinc-800">Extra headers (optional)</legend>
          <p className="text-sm text-zinc-500">
            Sent with every request, such as an authorization token the receiver expects. Kept sealed
            {editing ? "; values are never shown again: leave one blank to keep it, or type a new one" : ""}.
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
                placeholder={editing?.headerNames?.includes(row.name) ? "unchanged" : "Bearer …"}
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
        {editing
          ? pending
            ? "Saving…"
            : "Save changes"
          : pending
            ? broker
              ? "Checking the broker…"
              : "Creating…"
            : "Create subscription"}
      </Button>
    </CreateForm>
  );
}

type BrokerValues = { url: string; password: string; exchange: string; routingKey: string; subject: string };

/** Where a relay publishes: the broker's URL and password, then the exchange and routing key, or the subject. */
function BrokerFields({
  kind,
  values,
  set,
  error,
  passwordError,
  canSealSecrets,
  keepsPassword,
}: {
  kind: "rabbitmq" | "nats";
  values: BrokerValues;
  set: { [K in keyof BrokerValues]: (value: string) => void };
  error: (field: string, value: string) => string | undefined;
  passwordError: string | undefined;
  canSealSecrets: boolean;
  keepsPassword: boolean;
}) {
  return (
    <>
      <BrokerAddressFields
        kind={kind}
        label="Broker URL"
        url={values.url}
        password={values.password}
        onUrl={set.url}
        onPassword={set.password}
        urlError={error("url", values.url)}
        passwordError={passwordError}
        canSealSecrets={canSealSecrets}
        keepsPassword={keepsPassword}
      />
      {kind === "rabbitmq" ? (
        <div className="grid gap-4 md:grid-cols-2">
          <TextField
            label="Exchange"
            name="exchange"
            value={values.exchange}
            onChange={(e) => set.exchange(e.target.value)}
            error={error("exchange", values.exchange)}
            hint="It must exist. amq.topic also reaches STOMP subscribers of /topic/<routing key>."
            className="font-mono"
            maxLength={255}
            autoComplete="off"
          />
          <TextField
            label="Routing key (optional)"
            name="routingKey"
            value={values.routingKey}
            onChange={(e) => set.routingKey(e.target.value)}
            error={error("routingKey", values.routingKey)}
            placeholder="{group}"
            hint="Blank: the event's group. Placeholders {group}, {key} and {aggregateType}. An unroutable event fails and is retried."
            className="font-mono"
            maxLength={255}
            autoComplete="off"
          />
        </div>
      ) : (
        <TextField
          label="Subject"
          name="subject"
          value={values.subject}
          onChange={(e) => set.subject(e.target.value)}
          error={error("subject", values.subject)}
          hint="A stream must capture it. Placeholders {group}, {key} and {aggregateType}; Nats-Msg-Id is the event key, so JetStream drops repeats."
          className="font-mono"
          maxLength={255}
          autoComplete="off"
        />
      )}
    </>
  );
}
