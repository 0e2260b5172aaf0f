import { DescribeRepositoriesCommand, type ECRClient } from "@aws-sdk/client-ecr";
import type { RepositoryRef } from "../doctor/doctor-port.js";
import { errorName, wrapAwsError } from "./aws-call.js";

/** Whether ECR repositories exist, in whichever region each one lives. */
export class EcrRepositories {
  private readonly clientFor: (region: string) => ECRClient;

  /** `clientFor` gives the ECR client of a region (a repository may live outside the previews' region). */
  constructor(options: { clientFor: (region: string) => ECRClient }) {
    this.clientFor = options.clientFor;
  }

  /** One call per repository: DescribeRepositories fails as a whole when any named one is missing. */
  async exists(repository: RepositoryRef): Promise<boolean> {
    try {
      const out = await this.clientFor(repository.region).send(
        new DescribeRepositoriesCommand({ registryId: repository.registryId, repositoryNames: [repository.name] }),
      );
      return (out.repositories ?? []).length > 0;
    } catch (error) {
      if (errorName(error) === "RepositoryNotFoundException") return false;
      throw wrapAwsError("DescribeRepositories", `repository ${repository.name} in ${repository.registryId}`, error);
    }
  }
}
