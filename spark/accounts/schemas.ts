import { z } from "zod";
import { operatorRoles } from "@/db/schema";

export const PASSWORD_MIN_LENGTH = 12;

export const emailField = z
  .string()
  .trim()
  .min(1, "Enter an email address.")
  .max(254, "An email address has at most 254 characters.")
  .pipe(z.email("Enter a valid email address, like ada@example.com."))
  .transform((email) => email.toLowerCase());

export const passwordField = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `Use at least ${PASSWORD_MIN_LENGTH} characters.`)
  .max(1024, "Use at most 1024 characters.");

export const roleField = z.enum(operatorRoles, "Choose admin or operator.");

export const loginInput = z.object({
  email: emailField,
  // Any length is accepted here: the rule for new passwords must not lock out an older one.
  password: z.string().min(1, "Enter your password.").max(1024, "Use at most 1024 characters."),
});

const newPassword = z.object({ password: passwordField, confirm: z.string() });
const sameTwice = (v: { password: string; confirm: string }) => v.password === v.confirm;
const sameTwiceError = { path: ["confirm"], message: "The two passwords differ; type the same one twice." };

export const setupInput = newPassword.extend({ email: emailField }).refine(sameTwice, sameTwiceError);
export const acceptInviteInput = newPassword.refine(sameTwice, sameTwiceError);
export const changePasswordInput = newPassword
  .extend({ current: z.string().min(1, "Enter your current password.") })
  .refine(sameTwice, sameTwiceError);
export const createOperatorInput = z.object({ email: emailField, role: roleField, password: passwordField });
export const inviteOperatorInput = z.object({ email: emailField, role: roleField });
