/**
 * The reference that pins an image to one digest: `<registry>/<repository>@sha256:…` for
 * `<registry>/<repository>:<tag>`. ECS pulls exactly that image, and a tag pushed again with new
 * content changes the reference, so the task definition changes and the service rolls. A
 * reference that already names a digest is returned as it is.
 */
export function pinImage(ref: string, digest: string): string {
  if (ref.includes("@")) return ref;
  const slash = ref.lastIndexOf("/");
  const colon = ref.lastIndexOf(":");
  const repository = colon > slash ? ref.slice(0, colon) : ref;
  return `${repository}@${digest}`;
}

/** `sha256:0123456789ab`: enough of a digest for people to compare two pushes. */
export function shortDigest(digest: string): string {
  const [algorithm, hex = ""] = digest.split(":");
  return `${algorithm}:${hex.slice(0, 12)}`;
}
