/** Fake ECR: repositories with images that are present, absent, or appear after some lookups. */
import {
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  type DescribeImagesCommandInput,
  type DescribeRepositoriesCommandInput,
  type ImageDetail,
} from "@aws-sdk/client-ecr";
import { parseEcrImageRef } from "../../../src/aws/ecr-images.js";
import { awsError, type AnyStub, type World } from "./world.js";

interface FakeImage {
  /** DescribeImages lookups that still answer "not found" (CI has not pushed yet). */
  hiddenFor: number;
  detail: ImageDetail;
}

export class FakeEcr {
  /** `<registryId>/<repository>` -> tag or digest -> image. */
  readonly repositories = new Map<string, Map<string, FakeImage>>();

  constructor(private readonly world: World) {}

  install(mock: AnyStub): void {
    this.world.on("ecr", mock, DescribeImagesCommand, (input: DescribeImagesCommandInput) => this.describeImages(input));
    this.world.on("ecr", mock, DescribeRepositoriesCommand, (input: DescribeRepositoriesCommandInput) => this.describeRepositories(input));
  }

  /**
   * Pushes an image and returns its digest; with `afterPolls` it is only visible from that many
   * lookups on. Pushing a tag again moves it to a new digest, as in ECR.
   */
  putImage(ref: string, options: { afterPolls?: number } = {}): string {
    const parsed = parseEcrImageRef(ref);
    if (!parsed) throw new Error(`aws fake: not an ECR image reference: ${ref}`);
    const images = this.repository(parsed.registryId, parsed.repositoryName);
    const digest = parsed.imageId.imageDigest ?? `sha256:${this.world.hex(64)}`;
    const image: FakeImage = {
      hiddenFor: options.afterPolls ?? 0,
      detail: {
        registryId: parsed.registryId,
        repositoryName: parsed.repositoryName,
        imageDigest: digest,
        imageTags: parsed.imageId.imageTag ? [parsed.imageId.imageTag] : [],
        imagePushedAt: this.world.now(),
        imageSizeInBytes: 52_428_800,
      },
    };
    images.set(digest, image);
    if (parsed.imageId.imageTag) {
      const previous = images.get(parsed.imageId.imageTag);
      if (previous && previous !== image) previous.detail.imageTags = previous.detail.imageTags?.filter((t) => t !== parsed.imageId.imageTag);
      images.set(parsed.imageId.imageTag, image);
    }
    return digest;
  }

  /** An empty repository (images absent, the repository present). */
  repository(registryId: string, name: string): Map<string, FakeImage> {
    const key = `${registryId}/${name}`;
    const images = this.repositories.get(key) ?? new Map<string, FakeImage>();
    this.repositories.set(key, images);
    return images;
  }

  /** Like ECR: one missing name among `repositoryNames` fails the whole call. */
  private describeRepositories(input: DescribeRepositoriesCommandInput) {
    const registryId = input.registryId ?? this.world.account;
    const repositories = (input.repositoryNames ?? []).map((name) => {
      if (!this.repositories.has(`${registryId}/${name}`)) {
        throw awsError("ecr", "RepositoryNotFoundException", `The repository with name '${name}' does not exist in the registry with id '${registryId}'`);
      }
      return { registryId, repositoryName: name, repositoryArn: `arn:aws:ecr:${this.world.region}:${registryId}:repository/${name}` };
    });
    return { repositories };
  }

  private describeImages(input: DescribeImagesCommandInput) {
    const registryId = input.registryId ?? this.world.account;
    const images = this.repositories.get(`${registryId}/${input.repositoryName}`);
    if (!images) {
      throw awsError("ecr", "RepositoryNotFoundException", `The repository with name '${input.repositoryName}' does not exist in the registry with id '${registryId}'`);
    }
    const imageDetails: ImageDetail[] = [];
    for (const id of input.imageIds ?? []) {
      const image = images.get(id.imageDigest ?? id.imageTag ?? "");
      if (image && image.hiddenFor > 0) image.hiddenFor -= 1;
      else if (image) {
        imageDetails.push(structuredClone(image.detail));
        continue;
      }
      throw awsError(
        "ecr",
        "ImageNotFoundException",
        `The image with imageId {imageDigest:'${id.imageDigest ?? "null"}', imageTag:'${id.imageTag ?? "null"}'} does not exist within the repository with name '${input.repositoryName}' in the registry with id '${registryId}'`,
      );
    }
    return { imageDetails };
  }
}
