// Which rotation function a RotationLambdaARN names: `arn:aws:lambda:<region>:<account>:function:<name>`, or the bare name.

const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]*:\d{12}:function:([A-Za-z0-9_-]{1,64})$/
const BARE_NAME = /^[A-Za-z0-9_-]{1,64}$/

/** The function name, or undefined when the text is neither a Lambda function ARN nor a bare function name. */
export function functionNameOf(lambdaArn: string): string | undefined {
  return LAMBDA_ARN.exec(lambdaArn)?.[1] ?? (BARE_NAME.test(lambdaArn) ? lambdaArn : undefined)
}
