import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { REFERENCE_SPEC_URL, SPEC_URL } from '../helpers/qdrant-spec-validator.js';

const reference = fileURLToPath(REFERENCE_SPEC_URL);
const missing = existsSync(reference) ? false : `no reference spec at ${reference}`;
if (missing) console.log(`qdrant spec fixture - skipped: ${missing}`);

test(
  'qdrant spec fixture - the vendored spec equals the reference in shared/',
  { skip: missing },
  () => {
    assert.ok(
      readFileSync(SPEC_URL).equals(readFileSync(reference)),
      'test/fixtures/qdrant-openapi.json is stale: copy it from shared/reference/',
    );
  },
);
