import { describe, expect, it } from "vitest";
import { join, ref } from "../../../src/stack/template/intrinsics.js";
import { TemplateBuilder } from "../../../src/stack/template/template-builder.js";

const group = { GroupDescription: "g", VpcId: ref("BaseVpcId") };

describe("TemplateBuilder", () => {
  it("renders parameters, resources with Ref and Fn::GetAtt, DependsOn in logical ID order, and outputs", () => {
    const t = new TemplateBuilder("a preview");
    const vpc = t.addParameter("BaseVpcId", { Type: "String", Description: "The VPC" });
    const b = t.addResource("BGroup", "AWS::EC2::SecurityGroup", { ...group, VpcId: vpc });
    const a = t.addResource("AGroup", "AWS::EC2::SecurityGroup", group);
    const ingress = t.addResource("Ingress", "AWS::EC2::SecurityGroupIngress", { GroupId: b.getAtt("GroupId"), IpProtocol: "-1", Description: undefined });
    ingress.addDependency(b);
    ingress.addDependency(a);
    ingress.addDependency(b);
    t.addOutput("GroupId", b.getAtt("GroupId"));
    expect(t.render()).toEqual({
      Description: "a preview",
      Parameters: { BaseVpcId: { Type: "String", Description: "The VPC" } },
      Resources: {
        BGroup: { Type: "AWS::EC2::SecurityGroup", Properties: { GroupDescription: "g", VpcId: { Ref: "BaseVpcId" } } },
        AGroup: { Type: "AWS::EC2::SecurityGroup", Properties: { GroupDescription: "g", VpcId: { Ref: "BaseVpcId" } } },
        Ingress: {
          Type: "AWS::EC2::SecurityGroupIngress",
          Properties: { GroupId: { "Fn::GetAtt": ["BGroup", "GroupId"] }, IpProtocol: "-1" },
          DependsOn: ["AGroup", "BGroup"],
        },
      },
      Outputs: { GroupId: { Value: { "Fn::GetAtt": ["BGroup", "GroupId"] } } },
    });
    // No property set to undefined reaches the JSON CloudFormation reads.
    expect(Object.keys((t.render().Resources as Record<string, { Properties: object }>).Ingress!.Properties)).toEqual(["GroupId", "IpProtocol"]);
  });

  it("joins an embedded deploy-time value into the text around it", () => {
    const t = new TemplateBuilder();
    const url = t.embed(join("", ["https://", join(".", ["pr-1", ref("BaseDomain")])]));
    const domain = t.embed(ref("BaseNamespaceName"));
    t.addResource("Group", "AWS::EC2::SecurityGroup", { GroupDescription: `callback ${url}/cb`, VpcId: t.embed(ref("BaseVpcId")) });
    t.addOutput("Search", `d=pr-1.${domain}; d2=${domain}`);
    t.addOutput("Plain", t.embed("no expression"));
    const rendered = t.render() as { Resources: { Group: { Properties: object } }; Outputs: object };
    expect(rendered.Resources.Group.Properties).toEqual({
      GroupDescription: { "Fn::Join": ["", ["callback https://", { "Fn::Join": [".", ["pr-1", { Ref: "BaseDomain" }]] }, "/cb"]] },
      VpcId: { Ref: "BaseVpcId" },
    });
    expect(rendered.Outputs).toEqual({
      Search: { Value: { "Fn::Join": ["", ["d=pr-1.", { Ref: "BaseNamespaceName" }, "; d2=", { Ref: "BaseNamespaceName" }]] } },
      Plain: { Value: "no expression" },
    });
  });

  it("leaves text alone that only looks like another template's marker", () => {
    const other = new TemplateBuilder().embed(ref("X"));
    const t = new TemplateBuilder();
    t.addOutput("Text", other);
    expect(t.render().Outputs).toEqual({ Text: { Value: other } });
  });

  it.each([
    ["a resource after a parameter", (t: TemplateBuilder) => t.addResource("Base", "AWS::EC2::SecurityGroup", group), "TemplateBuilder: logical ID Base is declared twice"],
    ["a parameter twice", (t: TemplateBuilder) => t.addParameter("Base", { Type: "String" }), "TemplateBuilder: logical ID Base is declared twice"],
    ["an output twice", (t: TemplateBuilder) => t.addOutput("Out", "y"), "TemplateBuilder: output Out is declared twice"],
    ["a logical ID with a hyphen", (t: TemplateBuilder) => t.addParameter("My-Param", { Type: "String" }), 'TemplateBuilder: "My-Param" is not a logical ID (alphanumeric, at most 255)'],
  ])("refuses %s", (_name, declare, message) => {
    const t = new TemplateBuilder();
    t.addParameter("Base", { Type: "String" });
    t.addOutput("Out", "x");
    expect(() => declare(t)).toThrow(message);
  });
});
