// Runs the CLI from source (no build): `npx tsx scripts/berth-dev.ts plan ...`.
import { runCli } from "../src/cli/index.js";

runCli(process.argv.slice(2), { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) }).then((code) => {
  process.exitCode = code;
});
