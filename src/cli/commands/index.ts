// The command table: every CLI command, in the order help lists them.

import type { CommandSpec } from '../context.ts'
import { accessReviewCommands } from './access/review.ts'
import { accessUnusedCommand } from './access/unused.ts'
import { accessWhatCanCommand } from './access/what-can.ts'
import { accessWhoCanCommand } from './access/who-can.ts'
import { agentCommand } from './agent.ts'
import { anomaliesAckCommand } from './anomalies/ack.ts'
import { anomaliesListCommand } from './anomalies/list.ts'
import { anomaliesShowCommand } from './anomalies/show.ts'
import { auditDisableCommand } from './audit/disable.ts'
import { auditEnableCommand } from './audit/enable.ts'
import { auditListCommand } from './audit/list.ts'
import { auditSearchCommand } from './audit/search.ts'
import { auditVerifyCommand } from './audit/verify.ts'
import { authDisableCommand } from './auth/disable.ts'
import { authEnableCommand } from './auth/enable.ts'
import { authListCommand } from './auth/list.ts'
import { authMoveCommand } from './auth/move.ts'
import { authTuneCommand } from './auth/tune.ts'
import { deleteCommand } from './delete.ts'
import { k8sInjectorCommand } from './k8s-injector.ts'
import { kvDeleteCommand } from './kv/delete.ts'
import { kvDestroyCommand } from './kv/destroy.ts'
import { kvEnableVersioningCommand } from './kv/enable-versioning.ts'
import { kvGetCommand } from './kv/get.ts'
import { kvListCommand } from './kv/list.ts'
import { kvMetadataDeleteCommand } from './kv/metadata/delete.ts'
import { kvMetadataGetCommand } from './kv/metadata/get.ts'
import { kvMetadataPatchCommand } from './kv/metadata/patch.ts'
import { kvMetadataPutCommand } from './kv/metadata/put.ts'
import { kvPatchCommand } from './kv/patch.ts'
import { kvPutCommand } from './kv/put.ts'
import { kvRollbackCommand } from './kv/rollback.ts'
import { kvUndeleteCommand } from './kv/undelete.ts'
import { leakRespondCommand } from './leak/respond.ts'
import { leaseLookupCommand } from './lease/lookup.ts'
import { leaseRenewCommand } from './lease/renew.ts'
import { leaseRevokeCommand } from './lease/revoke.ts'
import { listCommand } from './list.ts'
import { loginCommand } from './login.ts'
import { operatorGenerateRootCommand } from './operator/generate-root.ts'
import { operatorInitCommand } from './operator/init.ts'
import { operatorKeyStatusCommand } from './operator/key-status.ts'
import { operatorRekeyCommand } from './operator/rekey.ts'
import { operatorRotateCommand } from './operator/rotate.ts'
import { operatorSealCommand } from './operator/seal.ts'
import { operatorSnapshotCommands } from './operator/snapshot.ts'
import { operatorStepDownCommand } from './operator/step-down.ts'
import { operatorUnsealCommand } from './operator/unseal.ts'
import { patchCommand } from './patch.ts'
import { policyDeleteCommand } from './policy/delete.ts'
import { policyFmtCommand } from './policy/fmt.ts'
import { policyListCommand } from './policy/list.ts'
import { policyReadCommand } from './policy/read.ts'
import { policyWriteCommand } from './policy/write.ts'
import { printTokenCommand } from './print/token.ts'
import { readCommand } from './read.ts'
import { reportComplianceCommand } from './report/compliance.ts'
import { rotationCancelCommand } from './rotation/cancel.ts'
import { rotationListCommand } from './rotation/list.ts'
import { rotationRunCommand } from './rotation/run.ts'
import { rotationStatusCommand } from './rotation/status.ts'
import { runCommand } from './run.ts'
import { scanInstallHookCommand } from './scan/install-hook.ts'
import { scanCommand } from './scan/scan.ts'
import { secretsDisableCommand } from './secrets/disable.ts'
import { secretsEnableCommand } from './secrets/enable.ts'
import { secretsListCommand } from './secrets/list.ts'
import { secretsMoveCommand } from './secrets/move.ts'
import { secretsTuneCommand } from './secrets/tune.ts'
import { statusCommand } from './status.ts'
import { tokenCapabilitiesCommand } from './token/capabilities.ts'
import { tokenCreateCommand } from './token/create.ts'
import { tokenLookupCommand } from './token/lookup.ts'
import { tokenRenewCommand } from './token/renew.ts'
import { tokenRevokeCommand } from './token/revoke.ts'
import { unwrapCommand } from './unwrap.ts'
import { versionCommand } from './version.ts'
import { writeCommand } from './write.ts'

export const COMMANDS: readonly CommandSpec[] = [
  readCommand,
  writeCommand,
  listCommand,
  deleteCommand,
  patchCommand,
  unwrapCommand,
  statusCommand,
  loginCommand,
  runCommand,
  agentCommand,
  k8sInjectorCommand,
  operatorInitCommand,
  operatorUnsealCommand,
  operatorSealCommand,
  operatorStepDownCommand,
  operatorRotateCommand,
  operatorKeyStatusCommand,
  operatorGenerateRootCommand,
  operatorRekeyCommand,
  ...operatorSnapshotCommands,
  tokenCreateCommand,
  tokenLookupCommand,
  tokenRenewCommand,
  tokenRevokeCommand,
  tokenCapabilitiesCommand,
  leaseLookupCommand,
  leaseRenewCommand,
  leaseRevokeCommand,
  rotationListCommand,
  rotationStatusCommand,
  rotationRunCommand,
  rotationCancelCommand,
  policyWriteCommand,
  policyReadCommand,
  policyListCommand,
  policyDeleteCommand,
  policyFmtCommand,
  secretsEnableCommand,
  secretsDisableCommand,
  secretsListCommand,
  secretsTuneCommand,
  secretsMoveCommand,
  authEnableCommand,
  authDisableCommand,
  authListCommand,
  authTuneCommand,
  authMoveCommand,
  auditEnableCommand,
  auditDisableCommand,
  auditListCommand,
  auditVerifyCommand,
  auditSearchCommand,
  accessWhoCanCommand,
  accessWhatCanCommand,
  accessUnusedCommand,
  ...accessReviewCommands,
  kvGetCommand,
  kvPutCommand,
  kvPatchCommand,
  kvDeleteCommand,
  kvUndeleteCommand,
  kvDestroyCommand,
  kvListCommand,
  kvMetadataGetCommand,
  kvMetadataPutCommand,
  kvMetadataPatchCommand,
  kvMetadataDeleteCommand,
  kvRollbackCommand,
  kvEnableVersioningCommand,
  scanCommand,
  scanInstallHookCommand,
  leakRespondCommand,
  reportComplianceCommand,
  anomaliesListCommand,
  anomaliesShowCommand,
  anomaliesAckCommand,
  printTokenCommand,
  versionCommand,
]
