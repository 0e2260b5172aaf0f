#!/usr/bin/env node
// Entry point of the `berth` command; the compiled CLI lives in dist/ (built by `npm install`).
import { runCli } from "../dist/src/cli/index.js";

const code = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
process.exitCode = code;
