// Every action the engine answers itself, by name: AWS's JSON input in, AWS's JSON output out.
import type { SsmAction } from '../../../../sdk/aws-ssm-routes.ts'
import type { SsmContext } from '../context.ts'
import type { Input } from '../input.ts'
import { deleteParameter, deleteParameters } from './delete-parameter.ts'
import { describeParameters } from './describe-parameters.ts'
import { getParameter, getParameters } from './get-parameter.ts'
import { getParameterHistory } from './get-parameter-history.ts'
import { getParametersByPath } from './get-parameters-by-path.ts'
import { labelParameterVersion, unlabelParameterVersion } from './labels.ts'
import { putParameter } from './put-parameter.ts'
import { addTagsToResource, listTagsForResource, removeTagsFromResource } from './tags.ts'

export const actions: Record<SsmAction, (ctx: SsmContext, input: Input) => Promise<Record<string, unknown>>> =
  {
    GetParameter: getParameter,
    GetParameters: (ctx, input) => getParameters(ctx, input),
    GetParametersByPath: (ctx, input) => getParametersByPath(ctx, input),
    PutParameter: putParameter,
    DeleteParameter: deleteParameter,
    DeleteParameters: (ctx, input) => deleteParameters(ctx, input),
    DescribeParameters: describeParameters,
    GetParameterHistory: getParameterHistory,
    LabelParameterVersion: labelParameterVersion,
    UnlabelParameterVersion: unlabelParameterVersion,
    AddTagsToResource: addTagsToResource,
    RemoveTagsFromResource: removeTagsFromResource,
    ListTagsForResource: listTagsForResource,
  }
