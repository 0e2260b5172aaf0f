import { describe, expect, it } from "vitest";
import { EcrImages, parseEcrImageRef } from "../../src/aws/ecr-images.js";
import { AwsCallError, ImageReferenceError } from "../../src/preview/errors.js";
import { createAwsFake } from "../fakes/aws-fake.js";

const REF = "123456789012.dkr.ecr.us-east-1.amazonaws.com/acme/shop:abc1234";
const DIGEST = `sha256:${"ab".repeat(32)}`;

describe("parseEcrImageRef", () => {
  it.each([
    [REF, { registryId: "123456789012", region: "us-east-1", repositoryName: "acme/shop", imageId: { imageTag: "abc1234" } }],
    [`123456789012.dkr.ecr.eu-west-3.amazonaws.com/shop@${DIGEST}`, { registryId: "123456789012", region: "eu-west-3", repositoryName: "shop", imageId: { imageDigest: DIGEST } }],
    ["123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/shop:v1.2_3", { registryId: "123456789012", region: "cn-north-1", repositoryName: "shop", imageId: { imageTag: "v1.2_3" } }],
    ["ghcr.io/acme/shop:abc1234", undefined],
    ["123456789012.dkr.ecr.us-east-1.amazonaws.com/shop", undefined],
    ["123456789012.dkr.ecr.us-east-1.amazonaws.com/Shop:abc", undefined],
    ["postgres:16", undefined],
  ])("%s", (ref, expected) => {
    expect(parseEcrImageRef(ref)).toEqual(expected);
  });
});

describe("EcrImages.findDigest", () => {
  it("finds a pushed image, by tag or digest", async () => {
    const fake = createAwsFake();
    const tagged = fake.putImage(REF);
    fake.putImage(`123456789012.dkr.ecr.us-east-1.amazonaws.com/acme/shop@${DIGEST}`);
    const images = new EcrImages({ client: fake.clients.ecr });

    expect(await images.findDigest(REF)).toBe(tagged);
    expect(await images.findDigest(`123456789012.dkr.ecr.us-east-1.amazonaws.com/acme/shop@${DIGEST}`)).toBe(DIGEST);
    expect(fake.calls.map((c) => c.input)).toEqual([
      { registryId: "123456789012", repositoryName: "acme/shop", imageIds: [{ imageTag: "abc1234" }] },
      { registryId: "123456789012", repositoryName: "acme/shop", imageIds: [{ imageDigest: DIGEST }] },
    ]);
  });

  it("finds the digest a tag points to now, and the new one after the tag is pushed again", async () => {
    const fake = createAwsFake();
    const first = fake.putImage(REF);
    const images = new EcrImages({ client: fake.clients.ecr });
    expect(await images.findDigest(REF)).toBe(first);

    const second = fake.putImage(REF);
    expect(second).not.toBe(first);
    expect(await images.findDigest(REF)).toBe(second);
    expect(await images.findDigest("123456789012.dkr.ecr.us-east-1.amazonaws.com/acme/shop:never-pushed")).toBeUndefined();
  });

  it("finds nothing while CI has not pushed, then the digest", async () => {
    const fake = createAwsFake();
    fake.putImage(REF, { afterPolls: 2 });
    const images = new EcrImages({ client: fake.clients.ecr });

    const found = [await images.findDigest(REF), await images.findDigest(REF), await images.findDigest(REF)];
    expect(found.map((digest) => digest !== undefined)).toEqual([false, false, true]);
    expect(found[2]).toMatch(/^sha256:[a-f0-9]{64}$/);
  });

  it("finds nothing when the repository does not exist yet", async () => {
    const fake = createAwsFake();
    const images = new EcrImages({ client: fake.clients.ecr });
    expect(await images.findDigest(REF)).toBeUndefined();
  });

  it.each([
    [
      "ghcr.io/acme/shop:abc1234",
      "berth waits for images in Amazon ECR, but ghcr.io/acme/shop:abc1234 is not an ECR reference (<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>). Set `image` in .github/preview.yml to the ECR repository CI pushes to.",
    ],
    [
      "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop:abc1234",
      "The image 123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop:abc1234 is in region eu-west-1, but previews run in us-east-1; Fargate pulls from the same region. Push the image to ECR in us-east-1.",
    ],
  ])("refuses %s without calling ECR", async (ref, message) => {
    const fake = createAwsFake();
    const images = new EcrImages({ client: fake.clients.ecr });
    const error = await images.findDigest(ref).then(() => undefined, (e: unknown) => e);

    expect(error).toBeInstanceOf(ImageReferenceError);
    expect((error as ImageReferenceError).userMessage).toBe(message);
    expect(fake.calls).toEqual([]);
  });

  it("wraps other ECR errors with the operation and the image", async () => {
    const fake = createAwsFake();
    fake.fail("DescribeImages", { error: { name: "AccessDeniedException", message: "not authorized to perform: ecr:DescribeImages" } });
    const images = new EcrImages({ client: fake.clients.ecr });
    const error = await images.findDigest(REF).then(() => undefined, (e: unknown) => e);

    expect(error).toBeInstanceOf(AwsCallError);
    expect((error as AwsCallError).userMessage).toBe(`AWS DescribeImages failed for ${REF}: not authorized to perform: ecr:DescribeImages`);
    expect((error as AwsCallError).code).toBe("AccessDeniedException");
    expect((error as AwsCallError).cause).toBeInstanceOf(Error);
  });
});
