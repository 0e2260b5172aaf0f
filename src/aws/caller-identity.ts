import { GetCallerIdentityCommand, type STSClient } from "@aws-sdk/client-sts";
import type { CallerIdentity } from "../doctor/doctor-port.js";
import { awsCall } from "./aws-call.js";

/** Who the SDK's credentials belong to (sts:GetCallerIdentity needs no permission). */
export async function getCallerIdentity(client: STSClient): Promise<CallerIdentity> {
  const out = await awsCall("GetCallerIdentity", "the credentials in use", () => client.send(new GetCallerIdentityCommand({})));
  return { account: out.Account ?? "", arn: out.Arn ?? "" };
}
