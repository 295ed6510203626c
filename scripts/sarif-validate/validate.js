// Usage: node validate.js FILE...  Exits 1 if a file is not valid SARIF 2.1.0.
const Ajv = require('ajv');
const fs = require('fs');
const ajv = new Ajv({ schemaId: 'id', allErrors: true });
ajv.addMetaSchema(require('ajv/lib/refs/json-schema-draft-04.json'));
const validate = ajv.compile(require('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'));
let bad = 0;
for (const file of process.argv.slice(2)) {
  const log = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (validate(log)) {
    console.log(`${file}: valid SARIF 2.1.0`);
  } else {
    bad++;
    console.log(`${file}: INVALID`);
    for (const e of validate.errors) console.log(`  ${e.dataPath} ${e.message}`);
  }
}
process.exit(bad ? 1 : 0);
