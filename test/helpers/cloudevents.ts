// Validates audit lines against the CloudEvents 1.0 JSON schema (test/fixtures).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';

// Both packages are CommonJS with a default export.
const Ajv = (AjvModule as unknown as { default: typeof AjvModule }).default ?? AjvModule;
const addFormats = (addFormatsModule as unknown as { default: typeof addFormatsModule }).default ?? addFormatsModule;

const schema = JSON.parse(
  readFileSync(join(import.meta.dirname, '..', 'fixtures', 'cloudevents-1.0.schema.json'), 'utf8'),
) as object;
const ajv = new (
  Ajv as unknown as new (o: object) => { compile(s: object): ((d: unknown) => boolean) & { errors?: unknown } }
)({ allErrors: true, strict: false });
(addFormats as unknown as (a: unknown) => void)(ajv);
const validate = ajv.compile(schema);

/** Null when the event is a valid CloudEvent, else a description of what is wrong. */
export function cloudEventErrors(event: unknown): string | null {
  return validate(event) ? null : JSON.stringify(validate.errors);
}
