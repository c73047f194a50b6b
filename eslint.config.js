// Lint: ESLint with typescript-eslint's recommended rules; formatting is Prettier's (npm run format).
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["**/node_modules/**", "**/dist/**", "bench/results/**", "contracts/**", ".run/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: "module", globals: { ...globals.node } },
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_", caughtErrors: "none" },
      ],
      "no-constant-condition": ["error", { checkLoops: false }],
    },
  },
  // The portal's app runs in the browser.
  { files: ["services/portal/src/web/**/*.{ts,tsx}"], languageOptions: { globals: { ...globals.browser } } },
  // Its service worker runs in a ServiceWorkerGlobalScope.
  { files: ["services/portal/src/sw/**/*.ts"], languageOptions: { globals: { ...globals.serviceworker } } },
);
