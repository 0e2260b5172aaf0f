import nock from "nock";
import { afterAll, beforeAll } from "vitest";

// No test ever reaches the real GitHub or AWS.
beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
  process.env.AWS_ACCESS_KEY_ID ??= "AKIDTESTONLY";
  process.env.AWS_SECRET_ACCESS_KEY ??= "test-secret-only";
  process.env.AWS_REGION ??= "us-east-1";
});

afterAll(() => {
  nock.cleanAll();
});
