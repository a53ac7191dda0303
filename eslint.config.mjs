import js from "@eslint/js";
import prettier from "eslint-config-prettier";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "cdktf.out/", "cdktf.out.staging-*/", "dist/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      "no-restricted-imports": [
        "error",
        {
          paths: [
            "@cdktn/provider-aws",
            "@cdktn/provider-aws/lib",
            "@cdktn/provider-random",
            "@cdktn/provider-random/lib",
          ].map((name) => ({
            name,
            message:
              "Import the resource by deep path (@cdktn/provider-<name>/lib/<resource>): the aws package root costs ~9 s and 750 MB per synth.",
          })),
        },
      ],
    },
  },
  {
    // Constructs are instantiated for their side effect on the construct tree.
    files: ["stacks/**/*.ts", "modules/**/*.ts", "__tests__/**/*.ts"],
    rules: { "no-new": "off" },
  },
  prettier,
);
