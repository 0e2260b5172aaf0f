/** Fake STS: who the credentials belong to (an assumed role's session by default). */
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import type { AnyStub, World } from "./world.js";

export class FakeSts {
  /** The caller's ARN, e.g. `arn:aws:sts::<account>:assumed-role/<role>/<session>`. */
  callerArn: string;

  constructor(private readonly world: World, callerArn: string) {
    this.callerArn = callerArn;
  }

  install(mock: AnyStub): void {
    this.world.on("sts", mock, GetCallerIdentityCommand, () => ({
      Account: this.world.account,
      Arn: this.callerArn,
      UserId: `AROA${this.world.hex(17).toUpperCase()}:session`,
    }));
  }
}
