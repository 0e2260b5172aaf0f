import tseslint from "typescript-eslint";

/** src/preview's folders each have one way in: code outside a folder imports its index.js only. */
const oneWayIn = ["flow", "report", "commands"].map((folder) => ({
  group: [`**/${folder}/*`, `!**/${folder}/index.js`],
  message: `import src/preview/${folder} through its index.js`,
}));

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "coverage/**"] },
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-restricted-imports": "off",
    },
  },
  {
    files: ["src/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [
        { group: ["probot", "probot/*"], message: "src/ must not depend on Probot (see ARCHITECTURE.md layers)" },
        { group: ["**/handlers/**"], message: "src/ must not import handlers/" },
        ...oneWayIn,
      ] }],
    },
  },
  {
    files: ["src/preview/**/*.ts", "src/config/**/*.ts", "src/compose/**/*.ts", "src/stack/**/*.ts", "src/doctor/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [
        { group: ["probot", "probot/*"], message: "the engine must not depend on Probot" },
        { group: ["@aws-sdk/*"], message: "the engine talks to AWS through ports in src/preview/ports.ts" },
        { group: ["**/handlers/**"], message: "src/ must not import handlers/" },
        ...oneWayIn,
      ] }],
    },
  },
  {
    files: ["handlers/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [
        { group: ["**/src/preview/**", "!**/src/preview/index.js"], message: "handlers reach the preview engine through src/preview/index.js" },
      ] }],
    },
  },
  {
    files: ["src/aws/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [{ group: ["**/github/**", "probot"], message: "src/aws must not import src/github" }, ...oneWayIn] }] },
  },
  {
    files: ["src/github/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [{ group: ["**/aws/**", "@aws-sdk/*", "probot"], message: "src/github must not import src/aws" }, ...oneWayIn] }] },
  },
);
