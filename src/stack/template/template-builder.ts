import { randomUUID } from "node:crypto";
import { getAtt, isJoin, join, ref, type ConditionExpression, type GetAtt, type Ref, type Value } from "./intrinsics.js";
import type { ResourceAttributes, ResourceType, ResourceTypes } from "./resource-types.js";

/** A template parameter, as CloudFormation's `Parameters` section takes it. */
export interface Parameter {
  Type: "String" | "Number";
  Description?: string;
  Default?: string | number;
  AllowedValues?: string[];
  MinValue?: number;
  MaxValue?: number;
}

/** A resource added to the template: its logical ID, `Ref` and `Fn::GetAtt` of its attributes. */
export interface ResourceHandle<T extends ResourceType = ResourceType> {
  logicalId: string;
  type: T;
  ref: Ref;
  getAtt(attribute: ResourceAttributes[T]): GetAtt;
  /** Makes CloudFormation create this resource after `other` (and delete it before). */
  addDependency(other: ResourceHandle): void;
}

interface ResourceEntry {
  type: ResourceType;
  properties: object;
  dependsOn: Set<string>;
}

/**
 * Collects one CloudFormation template: parameters, typed resources and outputs, and renders it as
 * JSON-ready objects. Text may carry a value known only at deploy time ({@link embed}): rendering
 * turns such text into `Fn::Join`.
 */
export class TemplateBuilder {
  private readonly parameters = new Map<string, Parameter>();
  private readonly conditions = new Map<string, ConditionExpression>();
  private readonly resources = new Map<string, ResourceEntry>();
  private readonly outputs = new Map<string, Value>();
  private readonly embedded: Value[] = [];
  /** Sets the markers of this template apart from any text a repository could write. */
  private readonly markerId = randomUUID();

  constructor(private readonly description?: string) {}

  /** Declares a parameter; returns its `Ref`. */
  addParameter(logicalId: string, parameter: Parameter): Ref {
    this.claim(logicalId, this.parameters);
    this.parameters.set(logicalId, parameter);
    return ref(logicalId);
  }

  /** Declares a condition (for `Fn::If`); returns its name. */
  addCondition(name: string, expression: ConditionExpression): string {
    if (this.conditions.has(name)) throw new Error(`TemplateBuilder: condition ${name} is declared twice`);
    this.conditions.set(name, expression);
    return name;
  }

  /** Declares a resource of `type` with its properties. */
  addResource<T extends ResourceType>(logicalId: string, type: T, properties: ResourceTypes[T]): ResourceHandle<T> {
    this.claim(logicalId, this.resources);
    const entry: ResourceEntry = { type, properties, dependsOn: new Set() };
    this.resources.set(logicalId, entry);
    return {
      logicalId,
      type,
      ref: ref(logicalId),
      getAtt: (attribute) => getAtt(logicalId, attribute),
      addDependency: (other) => {
        entry.dependsOn.add(other.logicalId);
      },
    };
  }

  /** Declares an output (a namespace of its own: it may share a parameter's name). */
  addOutput(name: string, value: Value): void {
    if (this.outputs.has(name)) throw new Error(`TemplateBuilder: output ${name} is declared twice`);
    this.outputs.set(name, value);
  }

  /**
   * Text that stands for `value` inside other text (a command, an environment value): where it
   * occurs, the rendered template has `Fn::Join` of the text around it and `value`.
   */
  embed(value: Value): string {
    if (typeof value === "string") return value;
    this.embedded.push(value);
    return `\u0001${this.markerId}:${this.embedded.length - 1}\u0001`;
  }

  /**
   * The template: `Description`, `Parameters`, `Conditions`, `Resources` (with `DependsOn` in logical ID order)
   * and `Outputs`; sections without entries are left out, as are properties set to undefined.
   */
  render(): Record<string, unknown> {
    const resources = Object.fromEntries(
      [...this.resources].map(([id, entry]) => {
        const dependsOn = [...entry.dependsOn].sort((a, b) => a.localeCompare(b));
        return [id, { Type: entry.type, Properties: this.resolve(entry.properties), ...(dependsOn.length > 0 ? { DependsOn: dependsOn } : {}) }];
      }),
    );
    const outputs = Object.fromEntries([...this.outputs].map(([name, value]) => [name, { Value: this.resolve(value) }]));
    return {
      ...(this.description === undefined ? {} : { Description: this.description }),
      ...(this.parameters.size > 0 ? { Parameters: Object.fromEntries(this.parameters) } : {}),
      ...(this.conditions.size > 0 ? { Conditions: Object.fromEntries(this.conditions) } : {}),
      ...(this.resources.size > 0 ? { Resources: resources } : {}),
      ...(this.outputs.size > 0 ? { Outputs: outputs } : {}),
    };
  }

  private claim(logicalId: string, section: Map<string, unknown>): void {
    if (!/^[A-Za-z0-9]{1,255}$/.test(logicalId)) throw new Error(`TemplateBuilder: ${JSON.stringify(logicalId)} is not a logical ID (alphanumeric, at most 255)`);
    // Parameters and resources share one namespace in a template.
    if (this.parameters.has(logicalId) || this.resources.has(logicalId) || section.has(logicalId)) {
      throw new Error(`TemplateBuilder: logical ID ${logicalId} is declared twice`);
    }
  }

  /** A copy of `value` with embedded values joined in and undefined properties dropped. */
  private resolve(value: unknown): unknown {
    if (typeof value === "string") return this.resolveText(value);
    if (Array.isArray(value)) return value.filter((v) => v !== undefined).map((v) => this.resolve(v));
    if (value === null || typeof value !== "object") return value;
    // A join is written small again once the text in it is resolved.
    if (isJoin(value)) return join(value["Fn::Join"][0], value["Fn::Join"][1].map((v) => this.resolve(v) as Value));
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, this.resolve(v)]),
    );
  }

  private resolveText(text: string): Value {
    if (!text.includes("\u0001")) return text;
    const marker = new RegExp(`\u0001${this.markerId}:(\\d+)\u0001`);
    const parts = text.split(marker);
    if (parts.length === 1) return text;
    // split() with a capture group alternates text and marker indexes: text, index, text, ...
    const values = parts.flatMap((part, i) => (i % 2 === 0 ? (part === "" ? [] : [part]) : [this.resolve(this.embedded[Number(part)]) as Value]));
    return join("", values);
  }
}
