/**
 * A small JSON Schema (2020-12) checker for the keywords zod's toJSONSchema writes, so tests can hold a
 * real body against the API's description. It refuses any keyword it does not know rather than skip it:
 * a constraint it cannot check must fail the test, never pass it silently.
 */
type Schema = Record<string, unknown> | boolean;

const ANNOTATIONS = new Set(["description", "title", "examples", "example", "default", "deprecated", "$comment"]);
const KNOWN = new Set([
  ...ANNOTATIONS,
  "$ref",
  "type",
  "properties",
  "required",
  "additionalProperties",
  "propertyNames",
  "items",
  "minItems",
  "maxItems",
  "anyOf",
  "oneOf",
  "allOf",
  "const",
  "enum",
  "pattern",
  "minLength",
  "maxLength",
  "minimum",
  "maximum",
]);

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The problems of `value` against `schema`, each as "path: what"; empty when it is valid. `$ref`s are
 * local pointers (`#/components/schemas/Event`) resolved in `root`.
 */
export function schemaErrors(schema: Schema, value: unknown, root: unknown = schema, path = "$"): string[] {
  if (schema === true) return [];
  if (schema === false) return [`${path}: no value is allowed here`];
  const unknown = Object.keys(schema).filter((k) => !KNOWN.has(k));
  if (unknown.length > 0) throw new Error(`${path}: the checker does not know ${unknown.join(", ")}`);
  const errors: string[] = [];
  const s = schema as Record<string, unknown>;

  if (typeof s.$ref === "string") {
    const target = (s.$ref as string)
      .replace(/^#\//, "")
      .split("/")
      .reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], root);
    if (target === undefined) throw new Error(`${path}: $ref ${s.$ref} points nowhere`);
    errors.push(...schemaErrors(target as Schema, value, root, path));
  }
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
    const actual = typeOf(value);
    if (!types.includes(actual) && !(actual === "integer" && types.includes("number")))
      return [...errors, `${path}: is ${actual}, not ${types.join(" or ")}`];
  }
  if ("const" in s && !sameJson(s.const, value)) errors.push(`${path}: is not ${JSON.stringify(s.const)}`);
  if (Array.isArray(s.enum) && !(s.enum as unknown[]).some((e) => sameJson(e, value)))
    errors.push(`${path}: is not one of ${JSON.stringify(s.enum)}`);

  if (typeof value === "string") {
    const length = [...value].length;
    if (typeof s.minLength === "number" && length < s.minLength) errors.push(`${path}: shorter than ${s.minLength}`);
    if (typeof s.maxLength === "number" && length > s.maxLength) errors.push(`${path}: longer than ${s.maxLength}`);
    if (typeof s.pattern === "string" && !new RegExp(s.pattern, "u").test(value))
      errors.push(`${path}: does not match ${s.pattern}`);
  }
  if (typeof value === "number") {
    if (typeof s.minimum === "number" && value < s.minimum) errors.push(`${path}: below ${s.minimum}`);
    if (typeof s.maximum === "number" && value > s.maximum) errors.push(`${path}: above ${s.maximum}`);
  }
  if (Array.isArray(value)) {
    if (typeof s.minItems === "number" && value.length < s.minItems) errors.push(`${path}: fewer than ${s.minItems}`);
    if (typeof s.maxItems === "number" && value.length > s.maxItems) errors.push(`${path}: more than ${s.maxItems}`);
    if (s.items !== undefined)
      value.forEach((item, i) => errors.push(...schemaErrors(s.items as Schema, item, root, `${path}[${i}]`)));
  }
  if (typeOf(value) === "object") {
    const object = value as Record<string, unknown>;
    const properties = (s.properties ?? {}) as Record<string, Schema>;
    for (const name of (s.required ?? []) as string[])
      if (!(name in object)) errors.push(`${path}: lacks required ${name}`);
    for (const [name, child] of Object.entries(object)) {
      if (s.propertyNames !== undefined)
        errors.push(...schemaErrors(s.propertyNames as Schema, name, root, `${path}.${name} (name)`));
      if (name in properties) errors.push(...schemaErrors(properties[name]!, child, root, `${path}.${name}`));
      else if (s.additionalProperties !== undefined)
        errors.push(...schemaErrors(s.additionalProperties as Schema, child, root, `${path}.${name}`));
    }
  }
  if (Array.isArray(s.allOf))
    for (const part of s.allOf as Schema[]) errors.push(...schemaErrors(part, value, root, path));
  if (Array.isArray(s.anyOf)) {
    const branches = (s.anyOf as Schema[]).map((part) => schemaErrors(part, value, root, path));
    if (!branches.some((e) => e.length === 0))
      errors.push(`${path}: matches none of anyOf (${branches.map((e) => e[0]).join("; ")})`);
  }
  if (Array.isArray(s.oneOf)) {
    const branches = (s.oneOf as Schema[]).map((part) => schemaErrors(part, value, root, path));
    const matching = branches.filter((e) => e.length === 0).length;
    if (matching !== 1)
      errors.push(
        matching === 0
          ? `${path}: matches none of oneOf (${branches.map((e) => e[0]).join("; ")})`
          : `${path}: matches ${matching} branches of oneOf`,
      );
  }
  return errors;
}
