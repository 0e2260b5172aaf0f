/** The load balancer a listener belongs to, read from the listener's ARN (AWS's documented form); undefined for another form. */
export function loadBalancerOfListener(listenerArn: string): string | undefined {
  const match = /^(arn:[^:]+:elasticloadbalancing:[^:]*:[^:]*:)listener\/((?:app|net|gwy)\/[^/]+\/[^/]+)\/[^/]+$/.exec(listenerArn);
  return match ? `${match[1]}loadbalancer/${match[2]}` : undefined;
}
