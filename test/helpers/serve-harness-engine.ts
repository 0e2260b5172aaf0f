// `npm start`'s serve() with the harness's engine thread (harness-engine.ts) in place of the real
// one: the production front door and thread wiring, in a process of its own, over the fakes.
import { serve } from "../../handlers/serve.js";
import { loadSettings } from "../../handlers/settings.js";

await serve({ env: process.env, settings: loadSettings(process.env), process, engine: new URL("./harness-engine.ts", import.meta.url) });
