// Which controls each report section gives evidence for: a short, deliberately conservative mapping, not a certification.
import type { ControlRef } from './report.ts'

const pci = (control: string, title: string): ControlRef => ({ framework: 'PCI DSS', control, title })
const soc2 = (control: string, title: string): ControlRef => ({ framework: 'SOC 2', control, title })
const hipaa = (control: string, title: string): ControlRef => ({ framework: 'HIPAA', control, title })
const gdpr = (control: string, title: string): ControlRef => ({ framework: 'GDPR', control, title })

const GDPR_32 = gdpr('Art. 32(1)(b)', 'Ongoing confidentiality and integrity of processing systems')

/** PCI DSS references are to v4.0; SOC 2 to the 2017 Trust Services Criteria; HIPAA to 45 CFR. */
export const CONTROLS: Record<string, ControlRef[]> = {
  inventory: [
    pci('12.5.1', 'Inventory of system components in scope is maintained'),
    pci('3.6.1', 'Procedures protect cryptographic keys used for stored account data'),
    soc2('CC6.1', 'Logical access security over protected information assets'),
    GDPR_32,
  ],
  rotation: [
    pci('3.7.4', 'Cryptographic keys are changed at the end of their cryptoperiod'),
    pci('8.3.9', 'Passwords used as the only factor are changed at least every 90 days'),
    pci('8.6.3', 'Passwords of application and system accounts are changed periodically'),
    soc2('CC6.1', 'Logical access security over protected information assets'),
    hipaa('164.308(a)(5)(ii)(D)', 'Password management'),
    GDPR_32,
  ],
  dynamic_credentials: [
    pci('7.2.5', 'Application and system accounts and their privileges are assigned and managed'),
    soc2('CC6.2', 'Credentials are issued to authorised users and removed when no longer needed'),
    soc2('CC6.3', 'Access is modified and removed as roles change'),
    hipaa('164.312(a)(1)', 'Access control'),
  ],
  access_reviews: [
    pci('7.2.4', 'User accounts and access privileges are reviewed at least every six months'),
    soc2('CC6.2', 'Credentials are issued to authorised users and removed when no longer needed'),
    soc2('CC6.3', 'Access is modified and removed as roles change'),
    hipaa('164.308(a)(4)', 'Information access management'),
    gdpr('Art. 32(1)(d)', 'Regularly testing and evaluating the effectiveness of security measures'),
  ],
  anomalies: [
    pci('10.4.1', 'Audit logs and security events are reviewed'),
    soc2('CC7.2', 'System components are monitored for anomalies indicating malicious acts'),
    soc2('CC7.3', 'Security events are evaluated'),
    hipaa('164.308(a)(1)(ii)(D)', 'Information system activity review'),
  ],
  leak_incidents: [
    pci('12.10.1', 'An incident response plan exists and is followed'),
    soc2('CC7.4', 'Security incidents are responded to'),
    hipaa('164.308(a)(6)(ii)', 'Security incident response and reporting'),
    GDPR_32,
  ],
  root_token_use: [
    pci('7.2.2', 'Access, privileged access included, is assigned on least privilege'),
    pci('10.2.1.2', 'Audit logs capture all actions taken with administrative access'),
    soc2('CC6.1', 'Logical access security over protected information assets'),
    hipaa('164.312(a)(2)(ii)', 'Emergency access procedure'),
    hipaa('164.312(b)', 'Audit controls'),
  ],
  access_activity: [
    pci('10.2.1', 'Audit logs are enabled and active'),
    soc2('CC7.2', 'System components are monitored for anomalies indicating malicious acts'),
    hipaa('164.312(b)', 'Audit controls'),
  ],
}
