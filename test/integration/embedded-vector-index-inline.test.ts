// The embedded index behaviours again, with builds, updates and compactions run inline in the
// store's process (VECTORADMIN_EMBEDDED_INDEX_BUILDER=inline) instead of a builder process.
process.env['VECTORADMIN_TEST_INDEX_BUILDER'] = 'inline';
await import('./embedded-vector-index.test.js');
