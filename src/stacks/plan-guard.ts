import { Construct } from 'constructs';
import { TerraformLocal, TerraformOutput } from 'cdktf';

/**
 * An output whose precondition fails every plan, with the fix in its message: a stack that must
 * not be deployed as synthesized still synthesizes (for review, CI and tests), but Terraform stops
 * before changing anything. An output, not a `terraform_data` resource: it needs no provider, and
 * cdktf's terraform_data construct runs `terraform version` during synth, which would make the
 * synth need Terraform.
 */
export function planGuard(scope: Construct, id: string, props: { readonly message: string; readonly description: string }): void {
  const guard = new Construct(scope, id);
  // Terraform wants a condition that refers to something; a local holding false does.
  const deployable = new TerraformLocal(guard, 'deployable', false);
  const output = new TerraformOutput(guard, id, { staticId: true, value: deployable.asBoolean, description: props.description });
  // cdktf 0.21 accepts an output's `precondition` but never writes it to the JSON.
  output.addOverride('precondition', [{ condition: deployable.asBoolean, error_message: props.message }]);
}
