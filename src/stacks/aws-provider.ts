import type { Construct } from 'constructs';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';

/** The AWS provider with FABLE's default tags (DESIGN.md section 2). */
export function useAwsProvider(scope: Construct, region: string, stage: string): AwsProvider {
  return new AwsProvider(scope, 'aws', {
    region,
    defaultTags: [{ tags: { Project: 'FABLE', Stage: stage, ManagedBy: 'cdktf' } }],
  });
}
