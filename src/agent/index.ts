// The agent library behind `coffer agent`: config, auto-auth, templates, exec mode and the API proxy.
export { AgentStartError, runAgent } from './agent.ts'
export { type AgentConfig, AgentConfigError, parseAgentConfig } from './config/agent-config.ts'
