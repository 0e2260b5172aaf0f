/** The pull request the app tests deploy: acme/shop#7 (the rails-postgres fixture), two heads. */
export const SHA1 = "1111111111111111111111111111111111111111";
export const SHA2 = "2222222222222222222222222222222222222222";
/** berth's stack and host label for acme/shop#7. */
export const STACK = "berth-shop-pr-7-acme-d21b2c";
/** The image CI pushes for a commit, per the fixture's `.github/preview.yml`. */
export const IMAGE = (sha: string) => `123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:${sha}`;
