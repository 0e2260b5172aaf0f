import { describe, expect, it } from "vitest";
import { pinImage, shortDigest } from "../../../src/preview/flow/pin-image.js";

const DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`;

describe("pinImage", () => {
  it.each([
    ["123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:feature-checkout", `123456789012.dkr.ecr.us-east-1.amazonaws.com/shop@${DIGEST}`],
    ["123456789012.dkr.ecr.us-east-1.amazonaws.com/acme/shop/web:42", `123456789012.dkr.ecr.us-east-1.amazonaws.com/acme/shop/web@${DIGEST}`],
    ["registry.example.com:5000/shop:v1", `registry.example.com:5000/shop@${DIGEST}`],
    ["registry.example.com:5000/shop", `registry.example.com:5000/shop@${DIGEST}`],
    [`123456789012.dkr.ecr.us-east-1.amazonaws.com/shop@sha256:${"f".repeat(64)}`, `123456789012.dkr.ecr.us-east-1.amazonaws.com/shop@sha256:${"f".repeat(64)}`],
  ])("%s", (ref, pinned) => {
    expect(pinImage(ref, DIGEST)).toBe(pinned);
  });
});

describe("shortDigest", () => {
  it("keeps the algorithm and twelve hex digits", () => {
    expect(shortDigest(DIGEST)).toBe("sha256:0123456789ab");
  });
});
