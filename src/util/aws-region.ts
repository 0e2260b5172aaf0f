/** An AWS region's name as AWS writes it: `us-east-1`, `eu-central-2`, `us-gov-west-1`, `cn-north-1`. */
export const AWS_REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d$/;
