/** An Elastic Load Balancing v2 target group's ARN: `arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id>`. */
export const TARGET_GROUP_ARN_PATTERN = /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16}$/;
