import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { configs as n8nCommunityNodes } from '@n8n/eslint-plugin-community-nodes';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'web/dist/**', 'coverage/**', 'bin/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // The engine must never import a face (style rule 1).
      'no-restricted-imports': 'off',
    },
  },
  {
    // Plain-JavaScript build and CI scripts run on Node.
    files: ['**/*.mjs', '**/*.cjs', '**/*.js'],
    languageOptions: { globals: { console: 'readonly', process: 'readonly', require: 'readonly', module: 'writable', __dirname: 'readonly', Buffer: 'readonly' } },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['n8n-workflow', '@temporalio/*'] }],
    },
  },
  // n8n's community-node rules for the n8n face. The n8n Cloud variant also bans node: imports, process and runtime
  // dependencies, which a package that embeds images with native ONNX Runtime cannot meet (self-hosted n8n only).
  {
    files: ['nodes/**/*.ts', 'credentials/**/*.ts'],
    plugins: n8nCommunityNodes.recommendedWithoutN8nCloudSupport.plugins,
    rules: n8nCommunityNodes.recommendedWithoutN8nCloudSupport.rules,
  },
);
