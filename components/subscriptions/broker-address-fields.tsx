"use client";

import { TextField } from "@/components/ui/field";

/**
 * A broker's URL and its password, side by side: what a relay publishes to and an inbound reads from.
 * The password is never sent back to the page; on an edit a blank one keeps the stored password.
 */
export function BrokerAddressFields({
  kind,
  label,
  url,
  password,
  onUrl,
  onPassword,
  urlError,
  passwordError,
  canSealSecrets,
  keepsPassword = false,
}: {
  kind: "rabbitmq" | "nats";
  label: string;
  url: string;
  password: string;
  onUrl: (value: string) => void;
  onPassword: (value: string) => void;
  urlError: string | undefined;
  passwordError: string | undefined;
  canSealSecrets: boolean;
  keepsPassword?: boolean;
}) {
  return (
    <div className="grid gap-4 md:grid-cols-[minmax(0,2fr)_minmax(0,1fr)]">
      <TextField
        label={label}
        name="url"
        value={url}
        onChange={(e) => onUrl(e.target.value)}
        error={urlError}
        placeholder={kind === "rabbitmq" ? "amqp://spark@rabbit.example.com:5672/" : "nats://nats.example.com:4222"}
        hint={`${
          kind === "rabbitmq"
            ? "amqp:// or amqps://, with the user and the vhost (/ is the default vhost)."
            : "nats:// or tls://, with the user if the server wants one."
        } Checked before saving.`}
        className="font-mono"
        autoComplete="off"
      />
      <TextField
        label="Password (optional)"
        name="password"
        type="password"
        value={password}
        onChange={(e) => onPassword(e.target.value)}
        error={passwordError}
        placeholder={keepsPassword ? "unchanged" : undefined}
        hint={
          !canSealSecrets
            ? "Set SPARK_SECRET_KEY on the server first: a password is kept sealed under it."
            : keepsPassword
              ? "Leave blank to keep the stored password; type one to replace it. Never shown again."
              : "Kept sealed; never shown again. Or put it in the URL."
        }
        autoComplete="new-password"
      />
    </div>
  );
}
