// The grammar Docker reads an image reference with (github.com/distribution/reference):
// [registry "/"] path [":" tag] ["@" digest], a registry being a host name, an IPv4 or a
// bracketed IPv6 address, with an optional port.
const HOST_COMPONENT = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const IPV6_HOST = /^\[[a-fA-F0-9:]+\]$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
/** Docker refuses a name (registry and path) longer than this. */
const MAX_NAME = 255;

/**
 * Why Docker would refuse to pull `reference` ("invalid reference format"), or undefined when it
 * is a valid image reference. The reason names the part that is wrong, so a reference broken by an
 * unset variable (`n8nio/n8n:` from `n8nio/n8n:${N8N_VERSION}`) is recognisable. Pure.
 */
export function imageReferenceProblem(reference: string): string | undefined {
  if (reference === "") return "the image is empty";
  if (/\s/.test(reference)) return "an image reference has no spaces";
  const at = reference.indexOf("@");
  const named = at < 0 ? reference : reference.slice(0, at);
  if (at >= 0) {
    const digest = reference.slice(at + 1);
    if (!DIGEST.test(digest)) return `the digest "${digest}" after "@" is not <algorithm>:<hex>, like sha256:<64 hex digits>`;
  }
  const slash = named.indexOf("/");
  const first = slash < 0 ? "" : named.slice(0, slash);
  // Docker's rule: the first component names a registry when it has a dot or a port, or is localhost.
  const hasRegistry = first.includes(".") || first.includes(":") || first === "localhost";
  const rest = hasRegistry ? named.slice(slash + 1) : named;
  const colon = rest.lastIndexOf(":");
  const path = colon < 0 ? rest : rest.slice(0, colon);
  if (colon >= 0) {
    const tag = rest.slice(colon + 1);
    if (tag === "") return `the tag after ":" is empty`;
    if (!TAG.test(tag)) return `the tag "${tag}" is not valid: letters, digits, "_", "." and "-", at most 128, not starting with "." or "-"`;
  }
  if (hasRegistry) {
    const portAt = first.startsWith("[") ? first.indexOf("]:") + 1 : first.lastIndexOf(":");
    const host = portAt > 0 ? first.slice(0, portAt) : first;
    const port = portAt > 0 ? first.slice(portAt + 1) : undefined;
    const validHost = IPV6_HOST.test(host) || host.split(".").every((part) => HOST_COMPONENT.test(part));
    if (!validHost || (port !== undefined && !/^[0-9]+$/.test(port))) return `the registry "${first}" is not a valid host name`;
  }
  if (path === "") return "the image has no name";
  const bad = path.split("/").find((part) => !PATH_COMPONENT.test(part));
  if (bad !== undefined) {
    return bad === ""
      ? `the name "${path}" has an empty part between slashes`
      : `the name "${path}" is not valid: lowercase letters and digits, separated by ".", "_", "__", "-" or "/"`;
  }
  if ((hasRegistry ? first.length + 1 : 0) + path.length > MAX_NAME) return `the name is longer than ${MAX_NAME} characters`;
  return undefined;
}
