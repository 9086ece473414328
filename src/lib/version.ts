// The version string servers and the CLI report: the Vault API level Coffer speaks, plus Coffer's own version as build metadata.
export const COFFER_VERSION = '1.17.0+coffer.0.1.0'
