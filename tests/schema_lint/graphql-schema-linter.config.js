// graphql-schema-linter's configuration for schema.graphql (tests/test_schema_lint.py runs it).
// Every built-in rule of the pinned version is enabled except the ones below, each of which
// contradicts a deliberate decision of the schema (README, "Schema lint"):
const fs = require('node:fs');
const path = require('node:path');

const DISABLED = {
  // Fields read in the order a person scans them (id, name, ... then relations, then
  // history; edges before pageInfo): alphabetical order would scatter what belongs together.
  'type-fields-sorted-alphabetically': 'fields are grouped by meaning, not by name',
  'interface-fields-sorted-alphabetically': 'the Error interface reads code, field, message',
  // Inputs list what a form asks for first (parent, name, ...), optional tuning last.
  'input-object-fields-sorted-alphabetically': 'input fields follow the form, required first',
  // Enum values are in their domain's order: Role by rank (USER < ... < SUPERADMIN),
  // statuses by lifecycle (PENDING -> ACTIVE -> EXPIRED), audit actions by area.
  'enum-values-sorted-alphabetically': 'enum values are in rank or lifecycle order',
};

const rulesDir = path.join(path.dirname(require.resolve('graphql-schema-linter/package.json')), 'lib', 'rules');
const rules = fs
  .readdirSync(rulesDir)
  .filter((file) => file.endsWith('.js'))
  .map((file) => file.slice(0, -3).replaceAll('_', '-'))
  .filter((rule) => !(rule in DISABLED));

module.exports = { rules, disabled: DISABLED };
