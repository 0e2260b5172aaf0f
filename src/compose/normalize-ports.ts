import type { ComposeNode, Findings, Origin } from "./compose-node.js";
import type { ComposePort, ComposePortRange } from "./model.js";
import { warnNestedKeys } from "./nested-keys.js";

/** What a service's `ports` and `expose` give its container. */
export interface NormalizedPorts {
  ports: ComposePort[];
  expose: number[];
  exposeUdp?: number[];
  portRanges: ComposePortRange[];
}

/** ECS takes at most 100 port ranges per container. */
const MAX_PORT_RANGES = 100;

const textOf = (node: ComposeNode | undefined): string | undefined =>
  node?.kind === "scalar" && node.value !== null ? String(node.value) : undefined;

/**
 * Reads `ports` and `expose` as Docker does: single ports, and ranges (`40000-40100:40000-40100/udp`),
 * which ECS maps on Fargate as container port ranges. Ranges that overlap are merged, and a single
 * port inside a range of its protocol is left to the range: ECS maps each port once.
 */
export function normalizePorts(ports: ComposeNode | undefined, expose: ComposeNode | undefined, findings: Findings): NormalizedPorts {
  const out: NormalizedPorts = { ports: [], expose: [], portRanges: [] };
  let rangesAt: Origin | undefined;
  const addRange = (range: ComposePortRange, at: Origin) => {
    out.portRanges.push(range);
    rangesAt ??= at;
  };
  if (ports?.kind === "seq") {
    for (const item of ports.items) {
      const port = normalizePort(item, findings);
      if (port === undefined) continue;
      if ("first" in port) addRange(port, item.at);
      else if (!out.ports.some((p) => p.target === port.target && p.protocol === port.protocol)) out.ports.push(port);
    }
  }
  if (expose?.kind === "seq") {
    for (const item of expose.items) {
      const spec = textOf(item) ?? "";
      const match = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp))?$/.exec(spec);
      const range = match ? rangeOf(match[1]!, match[2]) : undefined;
      if (!match || range === undefined) findings.error(item.at, `"${spec}" is not a port number or range (use PORT[-PORT][/PROTOCOL])`);
      else if (range.first < range.last) addRange({ ...range, protocol: (match[3] ?? "tcp") as ComposePortRange["protocol"] }, item.at);
      else {
        const exposed = match[3] === "udp" ? (out.exposeUdp ??= []) : out.expose;
        if (!exposed.includes(range.first)) exposed.push(range.first);
      }
    }
  }
  out.portRanges = mergeRanges(out.portRanges);
  if (out.portRanges.length > MAX_PORT_RANGES) {
    findings.error(rangesAt!, `${out.portRanges.length} port ranges; ECS maps at most ${MAX_PORT_RANGES} per container`);
  }
  const inRange = (port: number, protocol: string) => out.portRanges.some((r) => r.protocol === protocol && r.first <= port && port <= r.last);
  out.ports = out.ports.filter((p) => !inRange(p.target, p.protocol));
  out.expose = out.expose.filter((p) => !inRange(p, "tcp"));
  if (out.exposeUdp) out.exposeUdp = out.exposeUdp.filter((p) => !inRange(p, "udp"));
  return out;
}

/** `first[-last]` as numbers; undefined when last < first, which Docker refuses. */
function rangeOf(first: string, last: string | undefined): { first: number; last: number } | undefined {
  const range = { first: Number(first), last: Number(last ?? first) };
  return range.last < range.first ? undefined : range;
}

function mergeRanges(ranges: ComposePortRange[]): ComposePortRange[] {
  const sorted = [...ranges].sort((a, b) => a.protocol.localeCompare(b.protocol) || a.first - b.first);
  const merged: ComposePortRange[] = [];
  for (const range of sorted) {
    const last = merged.at(-1);
    if (last && last.protocol === range.protocol && range.first <= last.last + 1) last.last = Math.max(last.last, range.last);
    else merged.push({ ...range });
  }
  return merged;
}

const PORT_MAPPING_SYNTAX = "use [HOST_IP:]PUBLISHED:TARGET[/PROTOCOL]";

function normalizePort(node: ComposeNode, findings: Findings): ComposePort | ComposePortRange | undefined {
  let target: string;
  let published: string | undefined;
  let protocol = "tcp";
  let hostIp: string | undefined;
  if (node.kind === "map") {
    target = textOf(node.entries.get("target")) ?? "";
    published = textOf(node.entries.get("published"));
    protocol = textOf(node.entries.get("protocol")) ?? "tcp";
    hostIp = textOf(node.entries.get("host_ip"));
    warnNestedKeys("ports", node, findings);
  } else {
    let spec = textOf(node) ?? "";
    const slash = spec.lastIndexOf("/");
    if (slash >= 0) {
      // Docker's port spec parser (go-connections' SplitProtoPort) lowercases the protocol: 80:80/TCP is tcp.
      protocol = spec.slice(slash + 1).toLowerCase();
      spec = spec.slice(0, slash);
    }
    const ipv6 = /^\[([^\]]*)\]:(.*)$/.exec(spec);
    if (ipv6) {
      hostIp = ipv6[1];
      spec = ipv6[2]!;
    }
    const parts = spec.split(":");
    if (parts.length > 3 || (ipv6 && parts.length !== 2)) {
      findings.error(node.at, `"${textOf(node) ?? ""}" is not a port mapping (${PORT_MAPPING_SYNTAX})`);
      return undefined;
    }
    target = parts.at(-1)!;
    if (parts.length >= 2) published = parts.at(-2);
    if (parts.length === 3) hostIp = parts[0];
  }
  if (published === "") published = undefined;
  // The long syntax's target is one port (compose-go reads it as a number); its published may be a range.
  const targetMatch = (node.kind === "map" ? /^(\d+)()$/ : /^(\d+)(?:-(\d+))?$/).exec(target);
  const publishedMatch = published === undefined ? undefined : /^(\d+)(?:-(\d+))?$/.exec(published);
  const targetRange = targetMatch ? rangeOf(targetMatch[1]!, targetMatch[2] || undefined) : undefined;
  const publishedRange = publishedMatch ? rangeOf(publishedMatch[1]!, publishedMatch[2]) : undefined;
  if (targetRange === undefined || (published !== undefined && publishedRange === undefined)) {
    findings.error(node.at, `"${textOf(node) ?? target}" is not a port mapping (${PORT_MAPPING_SYNTAX})`);
    return undefined;
  }
  if (protocol !== "tcp" && protocol !== "udp") {
    findings.error(node.at, `protocol ${protocol} is not available; use tcp or udp`);
    return undefined;
  }
  const isRange = targetRange.first < targetRange.last;
  if (isRange && publishedRange && publishedRange.last - publishedRange.first !== targetRange.last - targetRange.first) {
    // Docker refuses it too ("invalid ranges specified for container and host ports").
    findings.error(node.at, `the published ports ${published} and the container ports ${target} are ranges of different sizes; publish as many ports as the container listens on`);
    return undefined;
  }
  if (publishedRange && (publishedRange.first !== targetRange.first || publishedRange.last !== targetRange.last)) {
    // awsvpc cannot map 8080 to 80, but nothing in a preview uses the host port: the load balancer
    // and the other services reach the container port, as they do in compose.
    const what = publishedRange.first < publishedRange.last ? "published ports" : "published port";
    findings.warn(
      "published-port-ignored",
      node.at,
      `${what} ${published} ignored: Fargate maps no host ports; the load balancer and the other services use container ${isRange ? "ports" : "port"} ${target}`,
    );
  }
  if (hostIp !== undefined && hostIp !== "" && hostIp !== "0.0.0.0" && hostIp !== "::") {
    findings.warn("port-host-ip-ignored", (node.kind === "map" ? node.entries.get("host_ip")?.at : undefined) ?? node.at, `host address ${hostIp} ignored: the preview is reached through its load balancer`);
  }
  const tcpOrUdp = protocol as ComposePort["protocol"];
  if (isRange) return { first: targetRange.first, last: targetRange.last, protocol: tcpOrUdp };
  const port: ComposePort = { target: targetRange.first, protocol: tcpOrUdp };
  if (publishedRange) port.published = publishedRange.first;
  return port;
}
