import assert from 'node:assert/strict';
import { test } from 'node:test';
import { childEnvironment } from '../../src/config/child-env.js';

test('a child default applies only where the environment leaves the variable unset', () => {
  const name = 'VECTORADMIN_TEST_CHILD_DEFAULT';
  delete process.env[name];
  assert.equal(childEnvironment({}, { [name]: '2' })[name], '2');
  process.env[name] = '8';
  try {
    assert.equal(childEnvironment({}, { [name]: '2' })[name], '8');
    assert.equal(childEnvironment({ [name]: '1' }, { [name]: '2' })[name], '1');
  } finally {
    delete process.env[name];
  }
});
