import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'pkg/',
      'node_modules/',
      '.venv/',
      'public/',
      'training/runs/',
      'training/data/',
      'bench/results/',
      'test-results/',
      'playwright-report/',
      'bin/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
);
