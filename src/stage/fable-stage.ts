import { Construct, type IConstruct } from 'constructs';
import { TerraformStack } from 'cdktf';
import type { Binding, LambdaName, ModelBinding, ModelUse, SettingBinding, SettingName } from '../../lambdas/shared/contract';
import { executionTimeoutSeconds, iamName, resourceName, stagePrefix, type StageConfig } from '../config';
import { AwsEnvironment } from '../platform/aws-environment';
import { requireBundle, type LambdaBundle, type LambdaBundles } from '../bundling/lambda-bundle';
import { bindingKey, type BindingProvider, type ResolvedBinding } from '../bindings/binding-provider';
import { bedrockStatement } from '../iam/bedrock';
import type { PolicyStatement } from '../iam/policy-document';
import { LAMBDA_RUNTIME } from '../compute/runtime';
import type { Monitored, MonitoredKind, MonitoredOf } from '../operations/monitored';

export interface FableStageProps {
  readonly config: StageConfig;
  /** The Lambda zips (bundled before synth, since bundling is async and constructs are not). */
  readonly bundles: LambdaBundles;
}

/**
 * A build's slot outlives its execution's timeout (an approval's wait included) by this much: the execution starts after the slot
 * is claimed, and its last status update may still be retried as the timeout strikes.
 */
export const BUILD_SLOT_MARGIN_SECONDS = 300;

/**
 * The stage a construct belongs to, found with `FableStage.of(this)`: its validated settings,
 * AWS environment, naming, the Lambda bundles, and the registry through which Lambdas bind to
 * resources. Constructs find it instead of passing it down, so they can be built in any order.
 */
export class FableStage extends Construct {
  static readonly ID = 'stage';

  static of(scope: IConstruct): FableStage {
    const stage = TerraformStack.of(scope).node.tryFindChild(FableStage.ID);
    if (!(stage instanceof FableStage)) throw new Error(`${scope.node.path} is not inside a stack with a FableStage.`);
    return stage;
  }

  readonly config: StageConfig;
  private readonly bundles: LambdaBundles;
  private readonly providers = new Map<string, BindingProvider<never>>();
  private readonly monitored: Monitored[] = [];
  /** Who read the monitored resources: anything registered later would be left without alarms. */
  private monitoredReadBy?: string;
  private readonly roleGuards: (() => readonly PolicyStatement[])[] = [];

  constructor(scope: TerraformStack, props: FableStageProps) {
    super(scope, FableStage.ID);
    this.config = props.config;
    this.bundles = props.bundles;
    const models: Record<ModelUse, string> = {
      router: props.config.models.routerModelId,
      chat: props.config.models.chatModelId,
      embedding: props.config.models.embeddingModelId,
    };
    for (const use of Object.keys(models) as ModelUse[]) {
      this.provide<ModelBinding>(`model:${use}`, {
        resolveBinding: (binding) => ({
          value: models[use],
          statements: [bedrockStatement(this.env, [models[use]], binding.actions.map((action) => `bedrock:${action}` as const))],
        }),
      });
    }
    this.provide<SettingBinding>('setting', { resolveBinding: (binding) => ({ value: this.setting(binding.setting), statements: [] }) });
  }

  get env(): AwsEnvironment {
    return AwsEnvironment.of(this);
  }

  /** `fable-<stage>`. */
  get prefix(): string {
    return stagePrefix(this.config.stage);
  }

  /** `fable-<stage>-<component>`. */
  name(component: string): string {
    return resourceName(this.config.stage, component);
  }

  /** The IAM name of a component (region-qualified outside the default region). */
  iamName(component: string): string {
    return iamName(this.name(component), this.config.region);
  }

  bundle(name: LambdaName): LambdaBundle {
    return requireBundle(this.bundles, name);
  }

  /**
   * Explicit Denies every FABLE role of the stage carries (FableRole adds them), whatever it is
   * granted: a resource protects itself once, here, instead of in each role. Read at synth.
   */
  guardEveryRole(statements: () => readonly PolicyStatement[]): void {
    this.roleGuards.push(statements);
  }

  roleGuardStatements(): PolicyStatement[] {
    return this.roleGuards.flatMap((statements) => statements());
  }

  /** Offer a resource to Lambda bindings under its key (see `bindingKey`). */
  provide<B extends Binding>(key: string, provider: BindingProvider<B>): void {
    if (this.providers.has(key)) throw new Error(`Two resources provide the binding "${key}" in stage ${this.config.stage}.`);
    this.providers.set(key, provider as BindingProvider<never>);
  }

  /** The env value and grants of one binding; the resource must exist by synth time. */
  resolve(binding: Binding, who: string): ResolvedBinding {
    const key = bindingKey(binding);
    const provider = this.providers.get(key) as BindingProvider<Binding> | undefined;
    if (!provider) throw new Error(`${who} binds to "${key}", which stage ${this.config.stage} does not provide.`);
    return provider.resolveBinding(binding);
  }

  /** Register a resource for the stage's alarms and dashboard (see src/operations/). */
  monitor(resource: Monitored): void {
    if (this.monitoredReadBy) {
      throw new Error(
        `A ${resource.kind} was created after ${this.monitoredReadBy} made the alarms of stage ${this.config.stage}; create it earlier, so it has alarms too.`,
      );
    }
    this.monitored.push(resource);
  }

  /** The registered resources of one kind; from the first read on, registering more is an error. */
  monitoredResources<K extends MonitoredKind>(kind: K, reader: string): MonitoredOf<K>[] {
    this.monitoredReadBy ??= reader;
    return this.monitored.filter((resource): resource is MonitoredOf<K> => resource.kind === kind);
  }

  private setting(name: SettingName): string {
    switch (name) {
      case 'connectionTtlSeconds':
        return String(this.config.connectionTtlSeconds);
      case 'embeddingDimensions':
        return String(this.config.models.embeddingDimensions);
      case 'logRetentionDays':
        return String(this.config.logRetentionDays);
      case 'lambdaRuntime':
        return LAMBDA_RUNTIME;
      case 'buildsPaused':
        return String(this.config.build.paused);
      case 'allowAnonymous':
        return String(this.config.auth.allowAnonymous);
      case 'stage':
        return this.config.stage;
      case 'logLevel':
        return this.config.logLevel;
      case 'quotaLimits':
        return JSON.stringify(this.config.quotas);
      case 'buildSlotSeconds':
        return String(executionTimeoutSeconds(this.config.build) + BUILD_SLOT_MARGIN_SECONDS);
      case 'toolReservedConcurrency':
        return String(this.config.tools.reservedConcurrency);
    }
  }
}
