// Lint: typed rules for the whole tree, and a boundary that keeps the policy
// engine pure (no I/O modules), so the webhook, the CLI and the audit can all
// share it and it stays exhaustively testable.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.cache/', '.cluster/', 'test/cluster/**/*.mjs', 'bench/**/*.mjs', 'bench/results/', 'charts/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Output order must not depend on the machine's locale, and the first localeCompare
      // loads ICU's collation data into a long-lived process: compareText (src/policy/text.ts).
      'no-restricted-syntax': ['error', { selector: "CallExpression[callee.property.name='localeCompare']", message: 'Use compareText from src/policy/text.ts: code-unit order, the same on every machine.' }],
    },
  },
  {
    files: ['src/policy/**/*.ts', 'src/reach/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:*', 'fs', 'net', 'http', 'https', 'fastify', '@kubernetes/client-node', '../server/*', '../kube/*', '../cli/*'], message: 'src/policy and src/reach are pure engines: no I/O imports.' },
        ],
      }],
    },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // Plain Node scripts outside the TypeScript project: linted without type information.
    files: ['eslint.config.js', 'scripts/**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['scripts/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' } },
  },
);
