import { z } from "zod";

/** A command: a string is split like a shell would (quotes respected, no expansion); a list is used as is. */
const Command = z.union([z.string().min(1), z.array(z.string()).min(1)]);

/** One Fargate size. CPU units and memory in MiB; the pair must be one Fargate offers. */
const FargateSize = z
  .object({
    /** CPU units: 256 (.25 vCPU), 512, 1024, 2048, 4096, 8192 or 16384. */
    cpu: z.number().int().positive(),
    /** Memory in MiB, valid for the chosen CPU (for 256: 512, 1024 or 2048). */
    memory: z.number().int().positive(),
  })
  .strict();

/**
 * `.github/preview.yml`: its presence turns previews on for a repository.
 * Every field is documented here; the JSON Schema in `schema/preview.schema.json` is generated from it.
 */
export const RepoConfigSchema = z
  .object({
    /**
     * The compose file(s), relative to the repository root. A list is merged in order, later files
     * overriding earlier ones, as `docker compose -f a.yml -f b.yml`. Default: the first of
     * `compose.yaml`, `compose.yml`, `docker-compose.yaml`, `docker-compose.yml` that exists.
     */
    compose: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    /** The compose service that answers on the preview URL. Default: the only service that publishes a port. */
    service: z.string().min(1).optional(),
    /** The public service's container port. Default: the one port it publishes or exposes. */
    port: z.number().int().min(1).max(65535).optional(),
    /** The load balancer's health check for the public service. */
    healthcheck: z
      .object({
        /** HTTP path the load balancer requests; healthy on 200-399. Default `/`. */
        path: z.string().startsWith("/").max(1024).default("/"),
      })
      .strict()
      .default({ path: "/" }),
    /**
     * Image reference for every service with `build:`, as CI pushes it to ECR. Placeholders:
     * `{sha}`, `{short_sha}` (7 characters), `{pr}`, `{branch}` (sanitized for a tag), `{service}`.
     */
    image: z.string().min(1).optional(),
    /** One-off steps run as ECS tasks before the new version takes traffic. */
    release: z
      .object({
        /** Runs on every deploy, before the rollout. */
        migrate: Command.optional(),
        /** Runs after migrate on the first deploy of a preview and on `/preview reset`. */
        seed: Command.optional(),
        /**
         * The compose service whose image, environment and secrets the steps run with. Default: the
         * public service when it is built from the repository, else the only service with `build:`.
         */
        service: z.string().min(1).optional(),
      })
      .strict()
      .default({}),
    /** Variables added to every service (they win over the compose file's values). */
    environment: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).default({}),
    /**
     * Secrets injected by ECS into the services built from the repository, the public service and
     * the release steps: variable name -> SSM parameter ARN or Secrets Manager secret ARN. Values never
     * appear in a template.
     */
    secrets: z.record(z.string(), z.string()).default({}),
    /** Fargate size for every service; `services` overrides it per compose service. */
    resources: z
      .object({
        cpu: z.number().int().positive().optional(),
        memory: z.number().int().positive().optional(),
        /** Per-service sizes, by compose service name. */
        services: z.record(z.string(), FargateSize).default({}),
      })
      .strict()
      .default({ services: {} }),
    /** Pull requests from forks: `approve` (deploy after a maintainer's `/preview approve`) or `never`. */
    forks: z.enum(["approve", "never"]).default("approve"),
    /** Whether draft pull requests get a preview. */
    drafts: z.boolean().default(true),
  })
  .strict();

/** The repository config after validation and defaults. */
export type RepoConfig = z.output<typeof RepoConfigSchema>;
/** A release command as written in the config. */
export type ConfigCommand = z.output<typeof Command>;
