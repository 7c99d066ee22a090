import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The layering of docs/design.md ("Code map"), enforced: a violation fails `npm test`.
 *
 *   lib/protocol   the wire contract: imports only zod (and itself), and uses none of Node's globals (Buffer, process)
 *   lib/client     the client package: imports only lib/protocol and the SigV4 packages; its batches
 *                  reader (Node-only, loaded on first use) also node:zlib, to inflate compressed batches
 *   lib/console    the web console (browser): imports only preact, lib/client, lib/protocol and the pure cost model
 *   lib/store      the only code that imports the DynamoDB, S3 and API Gateway management clients
 *   lib/**         never imports functions/, infra/ or bin/
 *   functions/**   never imports infra/ or bin/
 */
const STORAGE_SDK = [
  '@aws-sdk/client-dynamodb',
  '@aws-sdk/lib-dynamodb',
  '@aws-sdk/util-dynamodb',
  '@aws-sdk/client-dynamodb-streams',
  '@aws-sdk/client-s3',
  // Posting to WebSocket connections (lib/store/connection-poster.ts).
  '@aws-sdk/client-apigatewaymanagementapi',
];
const UP_FROM_LIB = ['**/functions/**', '**/infra/**', '**/bin/**'];
const UP_FROM_FUNCTIONS = ['**/infra/**', '**/bin/**'];

const restrict = (...groups) => ['error', { patterns: groups.map(([group, message]) => (typeof group === 'string' ? { regex: group, message } : { group, message })) }];
const sdkOnlyInStore = [STORAGE_SDK.flatMap((name) => [name, `${name}/*`]), 'Only lib/store talks to DynamoDB and S3: add or use a store function there.'];
const libStaysDown = [UP_FROM_LIB, 'lib/ is the domain: it must not reach up into handlers, infrastructure or the CLI.'];
/** What lib/client may import, as a pattern refusing everything else: itself, lib/protocol, the SigV4 packages and `extra`. */
const clientImports = (...extra) =>
  `^(?!\\./|\\.\\./protocol/|${['@smithy/signature-v4', '@aws-crypto/sha256-js', '@aws-sdk/credential-provider-node', ...extra].map((name) => `${name}$`).join('|')})`;

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', '.sluice/', 'dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', fetch: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Tests inspect parsed JSON responses; typing every body would add noise, not safety.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['lib/**/*.ts'],
    rules: { 'no-restricted-imports': restrict(libStaysDown, sdkOnlyInStore) },
  },
  {
    files: ['lib/store/**/*.ts'],
    rules: { 'no-restricted-imports': restrict(libStaysDown) },
  },
  {
    files: ['lib/protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict(['^(?!zod($|/)|\\./)', 'lib/protocol is the dependency-free contract: it imports only zod and itself.']),
      // The client decodes batches with it in any runtime: Uint8Array and DataView, not Node's globals.
      'no-restricted-globals': ['error', ...['Buffer', 'process', 'require'].map((name) => ({ name, message: `lib/protocol runs in browsers too: no ${name}.` }))],
    },
  },
  {
    files: ['lib/client/**/*.ts'],
    rules: { 'no-restricted-imports': restrict([clientImports(), 'lib/client is the publishable client: it imports only lib/protocol and the SigV4 packages.']) },
  },
  {
    // Decoding a batches answer is the contract's (lib/protocol/record-batch-decoding.ts); inflating a
    // gzip or zstd batch is the runtime's. The reader is Node-only (the client loads it on first use and
    // the package's browser build stubs it), so node:zlib is allowed here and nowhere else in lib/client.
    files: ['lib/client/record-batches-reader.ts'],
    rules: {
      'no-restricted-imports': restrict([clientImports('node:zlib'), 'The batches reader imports only lib/protocol, node:zlib and the rest of the client.']),
    },
  },
  {
    // The console talks to the API only through the client: no second client, no server code.
    files: ['lib/console/**/*.ts', 'lib/console/**/*.tsx'],
    rules: {
      'no-restricted-imports': restrict([
        '^(?!\\./|\\.\\./(components|screens|model)/|preact($|/)|(\\.\\./)+client/index$|(\\.\\./)+protocol/|(\\.\\./)+cost/)',
        'lib/console is the browser console: it imports only preact, the client (lib/client/index), lib/protocol and the cost model.',
      ]),
    },
  },
  {
    files: ['functions/**/*.ts'],
    rules: { 'no-restricted-imports': restrict([UP_FROM_FUNCTIONS, 'Handlers must not reach into infrastructure or the CLI.'], sdkOnlyInStore) },
  },
);
