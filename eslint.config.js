// ESLint flat config: @eslint/js recommended everywhere, plus typescript-eslint's
// type-aware recommendedTypeChecked for the TypeScript sources. Formatting is left
// to Prettier (`prettier --check .`), so no stylistic rules are enabled here.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

// Node globals used by plain .js/.mjs files (the `globals` package is not a
// dependency; TypeScript files get their globals from @types/node and the DOM lib,
// and typescript-eslint turns `no-undef` off for them).
const nodeGlobals = Object.fromEntries(
  [
    'AbortController',
    'AbortSignal',
    'Buffer',
    'URL',
    'URLSearchParams',
    'TextDecoder',
    'TextEncoder',
    'WebAssembly',
    'clearImmediate',
    'clearInterval',
    'clearTimeout',
    'console',
    'fetch',
    'global',
    'globalThis',
    'process',
    'queueMicrotask',
    'setImmediate',
    'setInterval',
    'setTimeout',
    'structuredClone',
  ].map((name) => [name, 'readonly']),
);

export default defineConfig(
  // Build output, generated browser bundles, runtime data and tool output (node_modules/ is ignored by default).
  globalIgnores(['dist/', 'public/js/', 'data/', 'coverage/', 'test-artifacts/', 'Face ID docs/']),
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // Picks the nearest tsconfig for each file: tsconfig.json (src, test,
        // benchmarks; Node) or web/tsconfig.json (browser code → public/js).
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // A leading underscore marks a binding that is unused on purpose (callback
      // signatures, dropping a property by destructuring).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      // node:test's test()/describe() return a promise that the runner itself
      // tracks and reports; awaiting a top-level test() would only serialise the
      // file. Every other promise still has to be awaited or handled.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] }] },
      ],
    },
  },
  {
    // Plain JavaScript (scripts/*.mjs, this file): JS rules only, run by Node.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: nodeGlobals },
  },
);
