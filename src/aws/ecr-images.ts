import { DescribeImagesCommand, type ECRClient, type ImageIdentifier } from "@aws-sdk/client-ecr";
import { ImageReferenceError } from "../preview/errors.js";
import type { ImagePort } from "../preview/ports.js";
import { awsCall, errorName } from "./aws-call.js";

/** An image reference in ECR, split into what DescribeImages needs. */
export interface EcrImageRef {
  registryId: string;
  region: string;
  repositoryName: string;
  imageId: ImageIdentifier;
}

const ECR_REF =
  /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/((?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*)(?::([\w][\w.-]{0,127})|@(sha256:[a-f0-9]{64}))$/;

/** Parses `<account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>` (or `@sha256:<digest>`); undefined when not ECR. */
export function parseEcrImageRef(ref: string): EcrImageRef | undefined {
  const m = ECR_REF.exec(ref);
  if (!m) return undefined;
  const [, registryId = "", region = "", repositoryName = "", imageTag, imageDigest] = m;
  return { registryId, region, repositoryName, imageId: imageTag ? { imageTag } : { imageDigest } };
}

export interface EcrImagesOptions {
  client: ECRClient;
}

/** ImagePort on ECR: DescribeImages on the reference's registry, repository and tag or digest. */
export class EcrImages implements ImagePort {
  private readonly client: ECRClient;

  constructor(options: EcrImagesOptions) {
    this.client = options.client;
  }

  /**
   * The digest (`sha256:…`) the reference points to now, from DescribeImages' `imageDigest`;
   * undefined when the image or its repository does not exist (yet).
   */
  async findDigest(imageRef: string): Promise<string | undefined> {
    const ref = parseEcrImageRef(imageRef);
    if (!ref) {
      throw new ImageReferenceError(`not an ECR image reference: ${imageRef}`, {
        imageRef,
        userMessage: `berth waits for images in Amazon ECR, but ${imageRef} is not an ECR reference (<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>). Set \`image\` in .github/preview.yml to the ECR repository CI pushes to.`,
      });
    }
    const region = await this.client.config.region();
    if (region !== ref.region) {
      throw new ImageReferenceError(`image ${imageRef} is in ${ref.region}, berth runs in ${region}`, {
        imageRef,
        userMessage: `The image ${imageRef} is in region ${ref.region}, but previews run in ${region}; Fargate pulls from the same region. Push the image to ECR in ${region}.`,
      });
    }
    try {
      const out = await this.client.send(
        new DescribeImagesCommand({ registryId: ref.registryId, repositoryName: ref.repositoryName, imageIds: [ref.imageId] }),
      );
      return out.imageDetails?.[0]?.imageDigest;
    } catch (error) {
      const name = errorName(error);
      if (name === "ImageNotFoundException" || name === "RepositoryNotFoundException") return undefined;
      return awsCall("DescribeImages", imageRef, () => Promise.reject(error));
    }
  }
}
