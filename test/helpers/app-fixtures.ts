/** The pull request the app tests deploy: acme/shop#7 (the rails-postgres fixture), two heads. */
export const SHA1 = "1111111111111111111111111111111111111111";
export const SHA2 = "2222222222222222222222222222222222222222";
/** berth's stack for acme/shop#7. */
export const STACK = "berth-shop-pr-7-acme-d21b2c";
/** The operator's host key the app tests run with. */
export const HOST_KEY = "test-host-key-6f1d0c2a9b8e7d6c5b4a39281706f5e4";
/** acme/shop#7's host name under HOST_KEY (its secret part computed independently in test/stack/naming.test.ts). */
export const HOST = "shop-pr-7-acme-73pyonfhiqawoco7.preview.example.com";
/** The image CI pushes for a commit, per the fixture's `.github/preview.yml`. */
export const IMAGE = (sha: string) => `123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:${sha}`;
