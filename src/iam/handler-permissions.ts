/**
 * The IAM permissions each CloudFormation resource handler calls, per resource type a preview stack
 * or the base stack declares, and the type's tagging facts. Taken from AWS's published
 * CloudFormation resource provider schemas (`handlers.*.permissions`, `tagging`), 2026.
 *
 * CloudFormation acts with the caller's credentials when no service role is given, so berth's own
 * role must allow every action listed here for the resources it deploys, not only the calls berth
 * makes itself. `AWS::ServiceDiscovery::Service` has no published list: see `CLOUD_MAP_SERVICE`.
 */

/** What one resource type's handler needs. */
export interface HandlerPermissions {
  create: readonly string[];
  read: readonly string[];
  update: readonly string[];
  delete: readonly string[];
  tagging: {
    taggable: boolean;
    tagOnCreate: boolean;
    tagUpdatable: boolean;
    /** false: CloudFormation never puts `aws:cloudformation:*` tags on resources of this type. */
    cloudFormationSystemTags: boolean;
    tagProperty?: string;
  };
}

export const HANDLER_PERMISSIONS: Readonly<Record<string, HandlerPermissions>> = {
  "AWS::EC2::SecurityGroup": {
    "create": [
      "ec2:AuthorizeSecurityGroupEgress",
      "ec2:AuthorizeSecurityGroupIngress",
      "ec2:CreateSecurityGroup",
      "ec2:CreateTags",
      "ec2:DescribeSecurityGroups",
      "ec2:RevokeSecurityGroupEgress"
    ],
    "delete": [
      "ec2:DeleteSecurityGroup",
      "ec2:DescribeInstances",
      "ec2:DescribeSecurityGroups"
    ],
    "read": [
      "ec2:DescribeSecurityGroups"
    ],
    "tagging": {
      "cloudFormationSystemTags": true,
      "tagOnCreate": true,
      "tagProperty": "/properties/Tags",
      "tagUpdatable": true,
      "taggable": true
    },
    "update": [
      "ec2:AuthorizeSecurityGroupEgress",
      "ec2:AuthorizeSecurityGroupIngress",
      "ec2:CreateTags",
      "ec2:DeleteTags",
      "ec2:DescribeSecurityGroups",
      "ec2:RevokeSecurityGroupEgress",
      "ec2:RevokeSecurityGroupIngress",
      "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
      "ec2:UpdateSecurityGroupRuleDescriptionsIngress"
    ]
  },
  "AWS::EC2::SecurityGroupEgress": {
    "create": [
      "ec2:AuthorizeSecurityGroupEgress",
      "ec2:DescribeSecurityGroupRules",
      "ec2:RevokeSecurityGroupEgress"
    ],
    "delete": [
      "ec2:DescribeSecurityGroupRules",
      "ec2:RevokeSecurityGroupEgress"
    ],
    "read": [
      "ec2:DescribeSecurityGroupRules"
    ],
    "tagging": {
      "cloudFormationSystemTags": false,
      "tagOnCreate": false,
      "tagUpdatable": false,
      "taggable": false
    },
    "update": [
      "ec2:UpdateSecurityGroupRuleDescriptionsEgress"
    ]
  },
  "AWS::EC2::SecurityGroupIngress": {
    "create": [
      "ec2:AuthorizeSecurityGroupIngress",
      "ec2:DescribeSecurityGroupRules"
    ],
    "delete": [
      "ec2:DescribeSecurityGroupRules",
      "ec2:RevokeSecurityGroupIngress"
    ],
    "read": [
      "ec2:DescribeSecurityGroupRules",
      "ec2:DescribeSecurityGroups"
    ],
    "tagging": {
      "cloudFormationSystemTags": false,
      "tagOnCreate": false,
      "tagUpdatable": false,
      "taggable": false
    },
    "update": [
      "ec2:UpdateSecurityGroupRuleDescriptionsIngress"
    ]
  },
  "AWS::ECS::Service": {
    "create": [
      "ecs:CreateService",
      "ecs:DescribeServiceDeployments",
      "ecs:DescribeServices",
      "ecs:ListServiceDeployments",
      "ecs:TagResource",
      "iam:PassRole"
    ],
    "delete": [
      "ecs:DeleteService",
      "ecs:DescribeServices"
    ],
    "read": [
      "ecs:DescribeServices"
    ],
    "tagging": {
      "cloudFormationSystemTags": false,
      "tagOnCreate": true,
      "tagProperty": "/properties/Tags",
      "tagUpdatable": true,
      "taggable": true
    },
    "update": [
      "ecs:DescribeServiceDeployments",
      "ecs:DescribeServices",
      "ecs:ListServiceDeployments",
      "ecs:ListTagsForResource",
      "ecs:StopServiceDeployment",
      "ecs:TagResource",
      "ecs:UntagResource",
      "ecs:UpdateService"
    ]
  },
  "AWS::ECS::TaskDefinition": {
    "create": [
      "ecs:DescribeTaskDefinition",
      "ecs:RegisterTaskDefinition",
      "ecs:TagResource",
      "iam:GetRole",
      "iam:PassRole"
    ],
    "delete": [
      "ecs:DeregisterTaskDefinition",
      "ecs:DescribeTaskDefinition",
      "iam:GetRole",
      "iam:PassRole"
    ],
    "read": [
      "ecs:DescribeTaskDefinition"
    ],
    "tagging": {
      "cloudFormationSystemTags": true,
      "tagOnCreate": true,
      "tagProperty": "/properties/Tags",
      "tagUpdatable": true,
      "taggable": true
    },
    "update": [
      "ecs:DescribeTaskDefinition",
      "ecs:ListTagsForResource",
      "ecs:TagResource",
      "ecs:UntagResource",
      "iam:GetRole",
      "iam:PassRole"
    ]
  },
  "AWS::ElasticLoadBalancingV2::Listener": {
    "create": [
      "cognito-idp:DescribeUserPoolClient",
      "elasticloadbalancing:CreateListener",
      "elasticloadbalancing:DescribeListeners",
      "elasticloadbalancing:ModifyListenerAttributes"
    ],
    "delete": [
      "elasticloadbalancing:DeleteListener",
      "elasticloadbalancing:DescribeListeners"
    ],
    "read": [
      "elasticloadbalancing:DescribeListenerAttributes",
      "elasticloadbalancing:DescribeListeners"
    ],
    "tagging": {
      "cloudFormationSystemTags": false,
      "tagOnCreate": false,
      "tagUpdatable": false,
      "taggable": false
    },
    "update": [
      "cognito-idp:DescribeUserPoolClient",
      "elasticloadbalancing:DescribeListeners",
      "elasticloadbalancing:ModifyListener",
      "elasticloadbalancing:ModifyListenerAttributes"
    ]
  },
  "AWS::ElasticLoadBalancingV2::ListenerRule": {
    "create": [
      "cognito-idp:DescribeUserPoolClient",
      "elasticloadbalancing:CreateRule",
      "elasticloadbalancing:DescribeRules"
    ],
    "delete": [
      "elasticloadbalancing:DeleteRule",
      "elasticloadbalancing:DescribeRules"
    ],
    "read": [
      "elasticloadbalancing:DescribeRules"
    ],
    "tagging": {
      "cloudFormationSystemTags": false,
      "tagOnCreate": false,
      "tagUpdatable": false,
      "taggable": false
    },
    "update": [
      "elasticloadbalancing:DescribeRules",
      "elasticloadbalancing:ModifyRule",
      "elasticloadbalancing:SetRulePriorities"
    ]
  },
  "AWS::ElasticLoadBalancingV2::LoadBalancer": {
    "create": [
      "ec2:DescribeIpamPools",
      "elasticloadbalancing:AddTags",
      "elasticloadbalancing:CreateLoadBalancer",
      "elasticloadbalancing:DescribeLoadBalancers",
      "elasticloadbalancing:ModifyLoadBalancerAttributes"
    ],
    "delete": [
      "elasticloadbalancing:DeleteLoadBalancer",
      "elasticloadbalancing:DescribeLoadBalancers"
    ],
    "read": [
      "elasticloadbalancing:DescribeCapacityReservation",
      "elasticloadbalancing:DescribeLoadBalancerAttributes",
      "elasticloadbalancing:DescribeLoadBalancers",
      "elasticloadbalancing:DescribeTags"
    ],
    "tagging": {
      "cloudFormationSystemTags": false,
      "tagOnCreate": true,
      "tagProperty": "/properties/Tags",
      "tagUpdatable": true,
      "taggable": true
    },
    "update": [
      "elasticloadbalancing:AddTags",
      "elasticloadbalancing:ModifyCapacityReservation",
      "elasticloadbalancing:ModifyIpPools",
      "elasticloadbalancing:ModifyLoadBalancerAttributes",
      "elasticloadbalancing:RemoveTags",
      "elasticloadbalancing:SetIpAddressType",
      "elasticloadbalancing:SetSecurityGroups",
      "elasticloadbalancing:SetSubnets"
    ]
  },
  "AWS::ElasticLoadBalancingV2::TargetGroup": {
    "create": [
      "elasticloadbalancing:AddTags",
      "elasticloadbalancing:CreateTargetGroup",
      "elasticloadbalancing:DescribeTargetGroups",
      "elasticloadbalancing:DescribeTargetHealth",
      "elasticloadbalancing:ModifyTargetGroupAttributes",
      "elasticloadbalancing:RegisterTargets"
    ],
    "delete": [
      "elasticloadbalancing:DeleteTargetGroup",
      "elasticloadbalancing:DescribeTargetGroups"
    ],
    "read": [
      "elasticloadbalancing:DescribeTags",
      "elasticloadbalancing:DescribeTargetGroupAttributes",
      "elasticloadbalancing:DescribeTargetGroups",
      "elasticloadbalancing:DescribeTargetHealth"
    ],
    "tagging": {
      "cloudFormationSystemTags": false,
      "tagOnCreate": false,
      "tagProperty": "/properties/Tags",
      "tagUpdatable": true,
      "taggable": true
    },
    "update": [
      "elasticloadbalancing:AddTags",
      "elasticloadbalancing:DeregisterTargets",
      "elasticloadbalancing:DescribeTargetGroups",
      "elasticloadbalancing:DescribeTargetHealth",
      "elasticloadbalancing:ModifyTargetGroup",
      "elasticloadbalancing:ModifyTargetGroupAttributes",
      "elasticloadbalancing:RegisterTargets",
      "elasticloadbalancing:RemoveTags"
    ]
  }
};

/**
 * `AWS::ServiceDiscovery::Service` is a legacy resource type with no published handler list. Cloud
 * Map `CreateService` is authorized against both the namespace and the new `service/*` resource;
 * its tagging actions support no resource-level permissions.
 */
export const CLOUD_MAP_SERVICE: HandlerPermissions = {
  create: ["servicediscovery:CreateService", "servicediscovery:GetService", "servicediscovery:TagResource"],
  read: ["servicediscovery:GetService"],
  update: ["servicediscovery:GetService", "servicediscovery:UpdateService", "servicediscovery:ListTagsForResource", "servicediscovery:TagResource", "servicediscovery:UntagResource"],
  delete: ["servicediscovery:DeleteService", "servicediscovery:GetService"],
  tagging: { taggable: true, tagOnCreate: true, tagUpdatable: true, cloudFormationSystemTags: true, tagProperty: "/properties/Tags" },
};

/**
 * Types CloudFormation implements itself, without a resource provider or a service API: they have
 * no published handler permissions and need no IAM action of the caller. Their handle is a
 * presigned URL that carries its own authorization; they take no tags.
 */
const CLOUDFORMATION_OWN = new Set(["AWS::CloudFormation::WaitConditionHandle", "AWS::CloudFormation::WaitCondition"]);
const NO_HANDLER: HandlerPermissions = {
  create: [],
  read: [],
  update: [],
  delete: [],
  tagging: { taggable: false, tagOnCreate: false, tagUpdatable: false, cloudFormationSystemTags: false },
};

/** The handler permissions of a resource type; throws for a type berth has no facts about. */
export function getHandlerPermissions(type: string): HandlerPermissions {
  if (type === "AWS::ServiceDiscovery::Service") return CLOUD_MAP_SERVICE;
  if (CLOUDFORMATION_OWN.has(type)) return NO_HANDLER;
  const found = HANDLER_PERMISSIONS[type];
  if (!found) throw new Error(`no handler permissions known for ${type}`);
  return found;
}
