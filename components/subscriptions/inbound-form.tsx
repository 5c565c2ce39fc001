"use client";

import { useState } from "react";
import { currentFieldError, type FormState } from "@/components/forms/form-state";
import { CreateForm } from "@/components/forms/create-form";
import { useFormAction } from "@/components/forms/use-form-action";
import { Button } from "@/components/ui/button";
import { SelectField, TextField } from "@/components/ui/field";
import { BrokerAddressFields } from "./broker-address-fields";

type Action = (prev: FormState, data: FormData) => Promise<FormState>;
type Kind = "rabbitmq" | "nats";

/**
 * Create an inbound. Every field is controlled, so a refused create keeps what was typed — except the
 * password, which the server never sends back and the operator types again.
 */
export function InboundForm({ action, canSealSecrets }: { action: Action; canSealSecrets: boolean }) {
  const { state, formAction, onSubmit, pending } = useFormAction(action);
  const [name, setName] = useState("");
  const [kind, setKind] = useState<Kind>("rabbitmq");
  const [url, setUrl] = useState("");
  const [password, setPassword] = useState("");
  const [queue, setQueue] = useState("");
  const [prefetch, setPrefetch] = useState("100");
  const [stream, setStream] = useState("");
  const [consumer, setConsumer] = useState("");
  const [batch, setBatch] = useState("100");
  const [active, setActive] = useState(true);
  const error = (field: string, value: string) => currentFieldError(state, field, value);

  return (
    <CreateForm state={state} formAction={formAction} onSubmit={onSubmit} pending={pending}>
      <div className="grid gap-4 md:grid-cols-2">
        <TextField
          label="Name"
          name="name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={error("name", name)}
          hint="Unique; say where the messages come from, like orders-queue. npm run consume -- <name> runs it from the shell."
          maxLength={100}
          autoComplete="off"
        />
        <SelectField
          label="Broker"
          name="kind"
          value={kind}
          onChange={(e) => setKind(e.target.value as Kind)}
          error={error("kind", kind)}
        >
          <option value="rabbitmq">RabbitMQ: read a queue</option>
          <option value="nats">NATS JetStream: read a durable pull consumer</option>
        </SelectField>
      </div>

      <BrokerAddressFields
        kind={kind}
        label="URL"
        url={url}
        password={password}
        onUrl={setUrl}
        onPassword={setPassword}
        urlError={error("url", url)}
        passwordError={state.status === "invalid" ? state.fieldErrors.password?.[0] : undefined}
        canSealSecrets={canSealSecrets}
      />

      {kind === "rabbitmq" ? (
        <div className="grid gap-4 md:grid-cols-[minmax(0,2fr)_minmax(0,1fr)]">
          <TextField
            label="Queue"
            name="queue"
            value={queue}
            onChange={(e) => setQueue(e.target.value)}
            error={error("queue", queue)}
            hint="It must exist. Give it a dead-letter exchange: refused messages go there."
            className="font-mono"
            maxLength={255}
            autoComplete="off"
          />
          <TextField
            label="Prefetch"
            name="prefetch"
            type="number"
            min={1}
            max={1000}
            value={prefetch}
            onChange={(e) => setPrefetch(e.target.value)}
            error={error("prefetch", prefetch)}
            hint="Messages held unacknowledged at once (1–1,000)."
          />
        </div>
      ) : (
        <div className="grid gap-4 md:grid-cols-3">
          <TextField
            label="Stream"
            name="stream"
            value={stream}
            onChange={(e) => setStream(e.target.value)}
            error={error("stream", stream)}
            className="font-mono"
            autoComplete="off"
          />
          <TextField
            label="Durable consumer"
            name="consumer"
            value={consumer}
            onChange={(e) => setConsumer(e.target.value)}
            error={error("consumer", consumer)}
            hint="A pull consumer with explicit acks, on that stream."
            className="font-mono"
            autoComplete="off"
          />
          <TextField
            label="Batch"
            name="batch"
            type="number"
            min={1}
            max={1000}
            value={batch}
            onChange={(e) => setBatch(e.target.value)}
            error={error("batch", batch)}
            hint="Messages pulled at a time (1–1,000)."
          />
        </div>
      )}

      <div className="space-y-1 text-sm text-zinc-600">
        <p className="font-medium text-zinc-800">How a message becomes an event</p>
        <p>
          A JSON body <code>{"{group, key, context}"}</code> is the event. Otherwise the{" "}
          {kind === "rabbitmq" ? "routing key" : "subject"} is the group, the{" "}
          {kind === "rabbitmq" ? <code>message_id</code> : <code>Nats-Msg-Id</code>} the key, and a JSON object body the
          context. A key recorded before is acknowledged and changes nothing; anything else is refused and kept with the
          reason.
        </p>
      </div>

      <label className="flex items-center gap-2 text-sm font-medium text-zinc-800">
        <input
          type="checkbox"
          name="active"
          checked={active}
          onChange={(e) => setActive(e.target.checked)}
          className="size-4 rounded border-zinc-300 accent-spark-600"
        />
        Start reading as soon as it is saved
      </label>

      <div className="flex justify-end">
        <Button type="submit" variant="primary" disabled={pending}>
          {pending ? "Checking the broker…" : "Create inbound"}
        </Button>
      </div>
    </CreateForm>
  );
}
