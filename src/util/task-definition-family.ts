/**
 * The family of a task definition given by ARN (`arn:...:task-definition/<family>:<revision>`),
 * by `family:revision`, or by its family alone.
 */
export function taskDefinitionFamily(taskDefinition: string): string {
  return taskDefinition.split("/").at(-1)!.replace(/:\d+$/, "");
}
