import { isIP } from "node:net";
import { z } from "zod";
import { environmentValueProblems } from "./preview-placeholders.js";
import { imageTemplateProblems } from "./resolve-image.js";

/** How berth explains a config value: what is allowed, and whether the value may be shown. */
export interface ConfigHint {
  /** What the key accepts, as it reads after "expected", e.g. `a positive integer`. */
  expected?: string;
  /** The value may be a secret pasted by mistake: messages never repeat it. */
  sensitive?: boolean;
}

/**
 * Hints for error messages, attached to the schemas they explain. A separate registry, so they
 * stay out of the JSON Schema; where a schema has no hint the message is derived from its checks.
 */
export const configHints = z.registry<ConfigHint>();

/** `arn:aws:ssm:<region>:<account>:parameter/<name>` or `arn:aws:secretsmanager:<region>:<account>:secret:<name>`, any partition. */
export const SECRET_ARN = /^arn:aws[a-z-]*:(?:ssm:[a-z0-9-]+:[0-9]{12}:parameter\/.+|secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+)$/;

/**
 * An SSM parameter by name, as ECS takes it for a parameter in the task's own region: a path with a
 * leading slash, `/shop/preview/stripe_key` (SSM's own rule for a name with a hierarchy). A name
 * without a slash must be written as an ARN, so that a pasted value is never taken for a name.
 */
export const SSM_PARAMETER_NAME = /^(?:\/[A-Za-z0-9_.-]+)+$/;

/** The longest ARN ECS takes in `valueFrom`; a parameter name is shorter still (SSM: 1011). */
const MAX_SECRET_REF = 2048;

/** ECS's range for a service's health check grace period, in seconds. */
export const MAX_GRACE_PERIOD_SECONDS = 2_147_483_647;

/**
 * The default health check grace period: a Spring Boot (JVM) or Rails app on 0.25 vCPU typically
 * listens 30 to 90 s after its task starts; 120 s covers that with a margin, while an app that never
 * becomes healthy still fails its deploy within a few minutes.
 */
export const DEFAULT_GRACE_PERIOD_SECONDS = 120;

/** A duration: whole seconds, or a string of hours, minutes and seconds such as `90s`, `2m`, `1m30s`, `1h`. */
const DURATION = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** Seconds of a duration written as in the config, or undefined when it is not one. */
export function parseDurationSeconds(value: number | string): number | undefined {
  if (typeof value === "number") return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  const match = DURATION.exec(value.trim());
  if (!match || value.trim() === "") return undefined;
  const [, h = "0", m = "0", sec = "0"] = match;
  return Number(h) * 3600 + Number(m) * 60 + Number(sec);
}

const GRACE_PERIOD_HINT: ConfigHint = { expected: `seconds from 0 to ${MAX_GRACE_PERIOD_SECONDS} (e.g. 180), or a duration such as 90s, 3m or 1m30s` };

const GracePeriod = z
  .union([
    z.number().int().min(0).max(MAX_GRACE_PERIOD_SECONDS).register(configHints, GRACE_PERIOD_HINT),
    z.string().regex(/^\s*(?:\d+h)?(?:\d+m)?(?:\d+s)?\s*$/).regex(/\d/).register(configHints, GRACE_PERIOD_HINT),
  ])
  .register(configHints, GRACE_PERIOD_HINT)
  .transform((value, ctx) => {
    const seconds = parseDurationSeconds(value);
    if (seconds === undefined || seconds > MAX_GRACE_PERIOD_SECONDS) {
      ctx.addIssue({ code: "custom", message: `must be at most ${MAX_GRACE_PERIOD_SECONDS} seconds, as ECS allows`, input: value });
      return z.NEVER;
    }
    return seconds;
  });

/** A window of idleness: days, hours and minutes such as `30m`, `2h`, `7d`, `1d12h`; whole minutes, as the load balancer counts requests per minute. */
const IDLE_WINDOW = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$/;

/** Seconds of an idle window written as in the config (`30m`, `7d`), or undefined when it is not one. */
export function parseIdleWindowSeconds(value: string): number | undefined {
  const text = value.trim();
  const match = IDLE_WINDOW.exec(text);
  if (!match || text === "") return undefined;
  const [, d = "0", h = "0", m = "0"] = match;
  return Number(d) * 86_400 + Number(h) * 3600 + Number(m) * 60;
}

/** An idle window as a message shows it: `30m`, `2h`, `7d`, `1d12h`. */
export function formatIdleWindow(seconds: number): string {
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return [d ? `${d}d` : "", h ? `${h}h` : "", m ? `${m}m` : ""].join("") || "0m";
}

/**
 * The shortest `sleep_after`: the load balancer publishes its request counts once a minute, a few
 * minutes late, so a shorter window would put a preview to sleep while someone is using it.
 */
export const MIN_SLEEP_AFTER_SECONDS = 5 * 60;
/** The longest `sleep_after` (a preview idle for a week should rather expire). */
export const MAX_SLEEP_AFTER_SECONDS = 7 * 86_400;
/** The shortest `expire_after`: an hour, so that a preview is never removed between two looks of one working session. */
export const MIN_EXPIRE_AFTER_SECONDS = 3600;
/** The longest `expire_after`: CloudWatch keeps hourly request counts for 455 days; a year stays well inside. */
export const MAX_EXPIRE_AFTER_SECONDS = 365 * 86_400;

const IdleWindow = (min: number, max: number) => {
  const hint: ConfigHint = { expected: `a duration from ${formatIdleWindow(min)} to ${formatIdleWindow(max)} in days, hours and minutes, such as 30m, 2h, 7d or 1d12h` };
  return z
    .string()
    .regex(/^\s*(?:\d+d)?(?:\d+h)?(?:\d+m)?\s*$/)
    .regex(/\d/)
    .register(configHints, hint)
    .transform((value, ctx) => {
      const seconds = parseIdleWindowSeconds(value);
      if (seconds === undefined) {
        ctx.addIssue({ code: "custom", message: `expected ${hint.expected}, got ${JSON.stringify(value)}`, input: value });
        return z.NEVER;
      }
      if (seconds < min || seconds > max) {
        ctx.addIssue({ code: "custom", message: `must be from ${formatIdleWindow(min)} to ${formatIdleWindow(max)}, got ${value.trim()}`, input: value });
        return z.NEVER;
      }
      return seconds;
    });
};

/** A POSIX-style environment variable name. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const EnvName = z
  .string()
  .regex(ENV_NAME)
  .register(configHints, { expected: 'a variable name (letters, digits and "_", not starting with a digit)' });

/** A command: a string is split like a shell would (quotes respected, no expansion); a list is used as is. */
const Command = z
  .union([z.string().regex(/\S/).register(configHints, { expected: "a non-blank command" }), z.array(z.string().min(1)).min(1)])
  .register(configHints, { expected: "a command: a non-empty string or a non-empty list of strings" });

const CpuUnits = z
  .number()
  .int()
  .min(1)
  .register(configHints, { expected: "CPU units as an integer: 256 (.25 vCPU), 512, 1024, 2048, 4096, 8192 or 16384" });

const MemoryMiB = z
  .number()
  .int()
  .min(1)
  .register(configHints, { expected: "memory in MiB as an integer, e.g. 512, 1024 or 2048" });

/** One Fargate size. CPU units and memory in MiB; the pair must be one Fargate offers. */
const FargateSize = z
  .object({
    /** CPU units: 256 (.25 vCPU), 512, 1024, 2048, 4096, 8192 or 16384. */
    cpu: CpuUnits.describe("CPU units: 256 (.25 vCPU), 512, 1024, 2048, 4096, 8192 or 16384."),
    /** Memory in MiB, valid for the chosen CPU (for 256: 512, 1024 or 2048). */
    memory: MemoryMiB.describe("Memory in MiB, valid for the chosen CPU (for 256: 512, 1024 or 2048)."),
  })
  .strict()
  .register(configHints, { expected: "a mapping with cpu and memory" })
  .describe("One Fargate size. CPU units and memory in MiB; the pair must be one Fargate offers.");

const ImageTemplate = z
  .string()
  .min(1)
  .superRefine((template, ctx) => {
    if (template === "") return; // already reported as too short
    for (const message of imageTemplateProblems(template)) ctx.addIssue({ code: "custom", message, input: template });
  })
  .register(configHints, { expected: "an image reference, e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:{sha}" });

/** What `secrets` takes: an ARN of either kind, or an SSM parameter name with its leading slash. */
export const SECRET_REF = new RegExp(`^(?:${SECRET_ARN.source.slice(1, -1)}|${SSM_PARAMETER_NAME.source.slice(1, -1)})$`);

const SecretRef = z
  .string()
  .regex(SECRET_REF)
  .max(MAX_SECRET_REF)
  .register(configHints, {
    expected:
      "an SSM parameter name with a leading slash (/<path>/<name>, in the preview's region), an SSM parameter ARN (arn:aws:ssm:<region>:<account>:parameter/<name>) or a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)",
    sensitive: true,
  });

/** Globs in the syntax of GitHub Actions' branch and path filters; `!` before one excludes. */
const Globs = (what: string, examples: string) =>
  z
    .array(z.string().trim().min(1, `a ${what} pattern must not be empty`).max(512))
    .min(1, { abort: true })
    .max(100)
    .refine((patterns) => patterns.some((p) => !p.startsWith("!")), { message: `needs at least one ${what} pattern without \`!\`: one that includes` })
    .register(configHints, { expected: `a list of ${what} globs such as ${examples}` });

/** Label names as GitHub takes them (at most 50 characters). */
const LabelName = z.string().trim().min(1).max(50).register(configHints, { expected: "a label name of 1 to 50 characters" });

const DeployRules = z
  .object({
    /** `auto`: every pull request; `label`: only while it has `label`; `command`: only after `/preview deploy`. */
    mode: z
      .enum(["auto", "label", "command"])
      .default("auto")
      .describe("`auto`: every pull request deploys; `label`: only while it has `label` (adding it deploys, removing it removes the preview); `command`: only after `/preview deploy`."),
    /** The label of `mode: label`; in every mode, adding it deploys a pull request the rules skipped. */
    label: LabelName.default("preview").describe("The label of `mode: label`. In every mode, a pull request with this label deploys even when a rule below would skip it."),
    /** Head branches that deploy on their own (globs); all when unset. */
    branches: Globs("branch", '"feature/**", "!feature/wip-*"').optional().describe("Head-branch globs of the pull requests that deploy on their own (GitHub Actions filter syntax, `!` excludes); all branches when unset."),
    /** Base branches whose pull requests deploy on their own (globs); all when unset. */
    base_branches: Globs("branch", '"main", "release/**"')
      .optional()
      .describe("Base-branch globs of the pull requests that deploy on their own (GitHub Actions filter syntax, `!` excludes); all base branches when unset."),
    /** A push that changes none of these files does not redeploy a live preview; all paths when unset. */
    paths: Globs("path", '"app/**", "!docs/**"')
      .optional()
      .describe("Path globs, as in GitHub Actions' `paths` filter (`!` excludes; the last matching pattern decides): a push whose changed files match none of them does not redeploy a live preview. All paths when unset."),
    /** Whether pull requests opened by bot accounts (Dependabot, Renovate, ...) deploy on their own. */
    bots: z
      .boolean()
      .default(false)
      .describe("Whether pull requests opened by bot accounts (Dependabot, Renovate, ...) deploy on their own; without it they deploy only with the label or `/preview deploy`."),
  })
  .strict()
  .default({ mode: "auto", label: "preview", bots: false })
  .describe("Which pull requests and pushes deploy on their own. `/preview deploy` deploys regardless (forks still need approval).");

/** Source addresses a listener rule may name besides the host name (ELBv2 evaluates at most five values per rule). */
export const MAX_ALLOWED_CIDRS = 4;

/** An IPv4 or IPv6 network in CIDR notation, as ELBv2's source-ip condition takes it (no wildcards). */
const Cidr = z
  .string()
  .trim()
  .refine((value) => isCidr(value), { message: "must be an IPv4 or IPv6 network in CIDR notation, e.g. 203.0.113.0/24 or 2001:db8::/32" });

/** Whether `value` is `<address>/<prefix>` with a prefix the address family allows. */
export function isCidr(value: string): boolean {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(value);
  if (!match) return false;
  const family = isIP(match[1]!);
  const bits = Number(match[2]);
  return (family === 4 && bits <= 32) || (family === 6 && bits <= 128);
}

/** An https URL, as ELBv2 requires of an OIDC issuer and its endpoints. */
const HttpsUrl = (what: string, where = "") =>
  z
    .string()
    .trim()
    .max(2048)
    .refine((value) => URL.canParse(value) && new URL(value).protocol === "https:", { message: `must be the ${what}'s https:// URL` })
    .register(configHints, { expected: `the ${what}'s https:// URL${where}` });

/** Where an OIDC provider publishes its endpoints. */
const DISCOVERY = " (the provider's <issuer>/.well-known/openid-configuration lists it)";

/** A Secrets Manager secret ARN: CloudFormation resolves it with a dynamic reference. */
export const SECRETS_MANAGER_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+$/;

const Oidc = z
  .object({
    issuer: HttpsUrl("identity provider"),
    /** The provider's endpoints, from `<issuer>/.well-known/openid-configuration`. */
    authorization_endpoint: HttpsUrl("authorization endpoint", DISCOVERY),
    token_endpoint: HttpsUrl("token endpoint", DISCOVERY),
    user_info_endpoint: HttpsUrl("user info endpoint", DISCOVERY),
    client_id: z.string().trim().min(1).max(256),
    client_secret: z
      .string()
      .trim()
      .regex(SECRETS_MANAGER_ARN)
      .register(configHints, { expected: "a Secrets Manager secret ARN whose value is the client secret", sensitive: true }),
    /** What the load balancer asks the provider for; default `openid`. */
    scope: z.string().trim().min(1).max(256).default("openid"),
  })
  .strict();

/**
 * `access`: who may open the preview. Also what the operator's defaults in the base stack are
 * checked against (`baseAccessDefaults`).
 */
export const AccessSchema = z
  .object({
    /** Only requests from these networks reach the preview; anyone when unset. */
    allow_cidrs: z
      .array(Cidr)
      .min(1, { abort: true })
      .max(MAX_ALLOWED_CIDRS, `at most ${MAX_ALLOWED_CIDRS} networks: a load balancer rule evaluates at most 5 values, and the preview's host name takes one`)
      .register(configHints, { expected: `a list of 1 to ${MAX_ALLOWED_CIDRS} networks in CIDR notation, e.g. ["203.0.113.0/24"]` })
      .optional()
      .describe(
        `Only requests whose source address is in one of these networks (CIDR, IPv4 or IPv6, at most ${MAX_ALLOWED_CIDRS}) reach the preview; others get the load balancer's default answer. The address is the one that connects to the load balancer (a proxy's, not X-Forwarded-For). Anyone when unset.`,
      ),
    /** Sign-in in front of the preview, by the load balancer's `authenticate-oidc` action. */
    oidc: Oidc.optional().describe(
      "Sign-in in front of the preview: the load balancer's `authenticate-oidc` action sends a visitor to the identity provider first. The client secret is given by reference (a Secrets Manager secret ARN) and CloudFormation resolves it at deploy time; it never appears in a template.",
    ),
  })
  .strict()
  .default({})
  .describe("Who may open the preview.");

/**
 * `.github/preview.yml`: its presence turns previews on for a repository.
 * Every field is documented here; the JSON Schema in `schema/preview.schema.json` is generated from it.
 */
export const RepoConfigSchema = z
  .object({
    /**
     * The compose file(s), relative to the repository root. A list is merged in order, later files
     * overriding earlier ones, as `docker compose -f a.yml -f b.yml` (no override file is added).
     * Default: what `docker compose` reads: `COMPOSE_FILE` in `.env`, else the first of
     * `compose.yaml`, `compose.yml`, `docker-compose.yml`, `docker-compose.yaml` that exists, with
     * the first of `compose.override.yml`, `compose.override.yaml`, `docker-compose.override.yml`,
     * `docker-compose.override.yaml` that exists merged over it.
     */
    compose: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
      .register(configHints, { expected: "a file path or a non-empty list of file paths" })
      .optional()
      .describe(
        "The compose file(s), relative to the repository root. A list is merged in order, later files overriding earlier ones, as `docker compose -f a.yml -f b.yml` (no override file is added). Default: what `docker compose` reads: `COMPOSE_FILE` in `.env`, else the first of `compose.yaml`, `compose.yml`, `docker-compose.yml`, `docker-compose.yaml` that exists, with the first of `compose.override.yml`, `compose.override.yaml`, `docker-compose.override.yml`, `docker-compose.override.yaml` that exists merged over it.",
      ),
    /**
     * Compose profiles to enable, as `docker compose --profile`: services with one of these profiles
     * run in the preview too; `"*"` enables every profile. Default: `COMPOSE_PROFILES` in the
     * repository's `.env`, else none (services with a profile are left out).
     */
    profiles: z
      .array(
        z
          .string()
          .regex(/^(?:[a-zA-Z0-9][a-zA-Z0-9_.-]*|\*)$/)
          .register(configHints, { expected: 'a profile name (letters, digits, "_", "." and "-", starting with a letter or digit) or "*"' }),
      )
      .register(configHints, { expected: "a list of profile names" })
      .optional()
      .describe(
        'Compose profiles to enable, as `docker compose --profile`: services with one of these profiles run in the preview too; `"*"` enables every profile. Default: `COMPOSE_PROFILES` in the repository\'s `.env`, else none (services with a profile are left out).',
      ),
    /** The compose service that answers on the preview URL. Default: the only service that publishes a port. */
    service: z
      .string()
      .min(1)
      .optional()
      .describe("The compose service that answers on the preview URL. Default: the only service that publishes a port."),
    /** The public service's container port. Default: the one port it publishes or exposes. */
    port: z
      .number()
      .int()
      .min(1)
      .max(65535)
      .optional()
      .describe("The public service's container port. Default: the one port it publishes or exposes."),
    /** The load balancer's health check for the public service. */
    healthcheck: z
      .object({
        /** HTTP path the load balancer requests; healthy on 200-399. Default `/`. */
        path: z
          .string()
          .regex(/^\/\S*$/)
          .max(1024)
          .register(configHints, { expected: 'a URL path starting with "/", without spaces, at most 1024 characters' })
          .default("/")
          .describe("HTTP path the load balancer requests; healthy on 200-399. Default `/`."),
        /**
         * How long ECS ignores failing health checks after a task of the public service starts, so a
         * slow start is not rolled back as a failure: seconds, or a duration such as `90s`, `3m`,
         * `1m30s`. Default 120 s, enough for a JVM or Rails app on 0.25 vCPU; 0 to 2147483647 s.
         */
        grace_period: GracePeriod.default(DEFAULT_GRACE_PERIOD_SECONDS).describe(
          "How long ECS ignores failing health checks after a task of the public service starts, so a slow start is not rolled back as a failure: seconds, or a duration such as `90s`, `3m`, `1m30s`. Default 120 s, enough for a JVM or Rails app on 0.25 vCPU; 0 to 2147483647 s.",
        ),
      })
      .strict()
      .default({ path: "/", grace_period: DEFAULT_GRACE_PERIOD_SECONDS })
      .describe("The load balancer's health check for the public service."),
    /**
     * Image reference for every service with `build:`, as CI pushes it to ECR. Placeholders:
     * `{sha}`, `{short_sha}` (7 characters), `{pr}`, `{branch}` (sanitized for a tag), `{service}`.
     */
    image: ImageTemplate.optional().describe(
      "Image reference for every service with `build:`, as CI pushes it to ECR: `<registry>/<repository>:<tag>`. Placeholders: `{sha}`, `{short_sha}` (7 characters), `{pr}`, `{branch}` (sanitized for a tag, only in the tag), `{service}`.",
    ),
    /** One-off steps run as ECS tasks before the new version takes traffic. */
    release: z
      .object({
        /** Runs on every deploy, before the rollout. */
        migrate: Command.optional().describe("Runs on every deploy, before the rollout."),
        /** Runs after migrate on the first deploy of a preview and on `/preview reset`. */
        seed: Command.optional().describe("Runs after migrate on the first deploy of a preview and on `/preview reset`."),
        /**
         * The compose service whose image, environment and secrets the steps run with. Default: the
         * public service when it is built from the repository, else the only service with `build:`,
         * else (nothing is built) the public service. Required when several services are built and
         * none of them is public.
         */
        service: z
          .string()
          .min(1)
          .optional()
          .describe(
            "The compose service whose image, environment and secrets the steps run with. Default: the public service when it is built from the repository, else the only service with `build:`, else (nothing is built) the public service. Required when several services are built and none of them is public.",
          ),
      })
      .strict()
      .default({})
      .describe("One-off steps run as ECS tasks before the new version takes traffic."),
    /**
     * Variables added to the services built from the repository, the public service and the
     * release steps (they win over the compose file's values). Data services (third-party images
     * such as a database) keep their compose environment only, so changing this never replaces
     * them and their data. Placeholders: `{url}` (`https://<host>`), `{host}` (the preview's host
     * name), `{pr}`, `{sha}`, `{short_sha}`, `{branch}` (as in `image`); `{{` and `}}` are a
     * literal brace, `${...}` is kept as written.
     */
    environment: z
      .record(
        EnvName,
        z
          .union([z.string(), z.number(), z.boolean()])
          .register(configHints, { expected: 'a string, number or boolean (quote a value that starts with "{": "{url}")' })
          .transform(String)
          .superRefine((value, ctx) => {
            for (const message of environmentValueProblems(value)) ctx.addIssue({ code: "custom", message, input: value });
          }),
      )
      .register(configHints, { expected: "a mapping of variable names to values" })
      .default({})
      .describe(
        "Variables added to the services built from the repository, the public service and the release steps (they win over the compose file's values). Data services (third-party images such as a database) keep their compose environment only, so changing this never replaces them and their data. Placeholders: `{url}` (`https://<host>`), `{host}` (the preview's host name, `<label>.<domain>`), `{pr}`, `{sha}`, `{short_sha}` (7 characters), `{branch}` (sanitized as in `image`); write `{{` and `}}` for a literal brace (`${...}` is kept as written).",
      ),
    /**
     * Secrets injected by ECS into the services built from the repository, the public service and
     * the release steps: variable name -> SSM parameter name (`/path/name`, in the preview's region),
     * SSM parameter ARN or Secrets Manager secret ARN. Values never appear in a template.
     */
    secrets: z
      .record(EnvName, SecretRef)
      .register(configHints, { expected: "a mapping of variable names to SSM parameter names or ARNs, or Secrets Manager ARNs", sensitive: true })
      .default({})
      .describe(
        "Secrets injected by ECS into the services built from the repository, the public service and the release steps: variable name -> SSM parameter name with a leading slash (`/shop/preview/stripe_key`, in the preview's region), SSM parameter ARN or Secrets Manager secret ARN. A plain value is never accepted. Values never appear in a template.",
      ),
    /**
     * Compose secrets (the compose file's top-level `secrets`) whose value a preview reads from AWS
     * instead of the repository: compose secret name -> SSM parameter name (`/path/name`), SSM
     * parameter ARN or Secrets Manager secret ARN. The value is written to the secret's path
     * (`/run/secrets/<name>`) when the task starts and never appears in a template.
     */
    compose_secrets: z
      .record(z.string().regex(/^[a-zA-Z0-9._-]+$/).register(configHints, { expected: "a compose secret name" }), SecretRef)
      .register(configHints, { expected: "a mapping of compose secret names to SSM parameter names or ARNs, or Secrets Manager ARNs", sensitive: true })
      .default({})
      .describe(
        "Compose secrets (the compose file's top-level `secrets`) whose value the preview reads from AWS instead of the repository: compose secret name -> SSM parameter name with a leading slash (`/shop/preview/db_password`, in the preview's region), SSM parameter ARN or Secrets Manager secret ARN. ECS reads the value when a task starts and the init container writes it to the secret's path (`/run/secrets/<name>`); it never appears in a template. Needed for a secret whose `file` is not committed, or that is `external`.",
      ),
    /** Fargate size for every service; `services` overrides it per compose service. */
    resources: z
      .object({
        /** CPU units for every service, e.g. 256 (.25 vCPU), 512, 1024. */
        cpu: CpuUnits.optional().describe("CPU units for every service: 256 (.25 vCPU), 512, 1024, 2048, 4096, 8192 or 16384."),
        /** Memory in MiB for every service, valid for the CPU. */
        memory: MemoryMiB.optional().describe("Memory in MiB for every service, valid for the CPU."),
        /** Per-service sizes, by compose service name. */
        services: z
          .record(z.string(), FargateSize)
          .register(configHints, { expected: "a mapping of compose service names to sizes" })
          .default({})
          .describe("Per-service sizes, by compose service name."),
      })
      .strict()
      .default({ services: {} })
      .describe("Fargate size for every service; `services` overrides it per compose service."),
    /** Pull requests from forks: `approve` (deploy after a maintainer's `/preview approve`) or `never`. */
    forks: z
      .enum(["approve", "never"])
      .default("approve")
      .describe("Pull requests from forks: `approve` (deploy after a maintainer's `/preview approve`) or `never`."),
    /** Whether draft pull requests get a preview. */
    drafts: z.boolean().default(true).describe("Whether draft pull requests get a preview."),
    /** Which pull requests and pushes deploy on their own; `/preview deploy` deploys regardless. */
    deploy: DeployRules,
    /** Who may open the preview. */
    access: AccessSchema,
    /**
     * No request to the preview for this long (days, hours, minutes: `30m`, `2h`): it sleeps. The
     * services built from the repository scale to zero; data services keep running, so the data
     * survives. The next request to its URL, or `/preview wake`, wakes it. Off when unset.
     */
    sleep_after: IdleWindow(MIN_SLEEP_AFTER_SECONDS, MAX_SLEEP_AFTER_SECONDS)
      .optional()
      .describe(
        "No request to the preview for this long (days, hours, minutes: `30m`, `2h`, from 5m to 7d): it sleeps. The services built from the repository scale to zero; the data services keep running, so the data survives. The next request to its URL (a waking page answers meanwhile), or `/preview wake`, wakes it. Idle is read from the load balancer's request counts. Off when unset.",
      ),
    /**
     * No push, command or request for this long (`7d`, `36h`): the preview is removed. A push or
     * `/preview redeploy` brings it back, seeded anew. Off when unset.
     */
    expire_after: IdleWindow(MIN_EXPIRE_AFTER_SECONDS, MAX_EXPIRE_AFTER_SECONDS)
      .optional()
      .describe(
        "No push, command or request for this long (days, hours, minutes: `7d`, `36h`, from 1h to 365d): the preview is removed, its data with it. A push or `/preview redeploy` brings it back, seeded anew. Off when unset.",
      ),
  })
  .strict()
  .superRefine(
    (config, ctx) => {
      // Runs even when other keys are wrong, so that one pass reports every problem.
      const { sleep_after: sleep, expire_after: expire } = config as { sleep_after?: unknown; expire_after?: unknown };
      if (typeof sleep === "number" && typeof expire === "number" && expire <= sleep) {
        ctx.addIssue({
          code: "custom",
          path: ["expire_after"],
          message: `must be longer than sleep_after (${formatIdleWindow(sleep)}): a preview would be removed before it ever slept`,
        });
      }
      const environment = asRecord(config.environment);
      for (const name of Object.keys(asRecord(config.secrets))) {
        if (Object.hasOwn(environment, name)) {
          ctx.addIssue({
            code: "custom",
            path: ["secrets", name],
            message: "also set in environment; a variable comes from environment or from secrets, not both",
          });
        }
      }
    },
    { when: () => true },
  )
  .meta({
    title: "berth preview configuration",
    description:
      "`.github/preview.yml`: its presence turns pull request previews on for a repository. Every key is optional.",
  });

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** The repository config after validation and defaults. */
export type RepoConfig = z.output<typeof RepoConfigSchema>;
/** A release command as written in the config. */
export type ConfigCommand = z.output<typeof Command>;
