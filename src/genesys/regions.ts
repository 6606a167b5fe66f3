// Genesys Cloud regions by their domain (the official SDKs' PureCloudRegionHosts). The API lives at
// `api.<domain>`, the OAuth server at `login.<domain>`.
export const GENESYS_REGIONS: Readonly<Record<string, string>> = Object.freeze({
  'mypurecloud.com': 'us-east-1 (Virginia)',
  'use2.us-gov-pure.cloud': 'us-east-2 (FedRAMP)',
  'usw2.pure.cloud': 'us-west-2 (Oregon)',
  'cac1.pure.cloud': 'ca-central-1 (Canada)',
  'sae1.pure.cloud': 'sa-east-1 (São Paulo)',
  'mxc1.pure.cloud': 'mx-central-1 (Mexico)',
  'mypurecloud.ie': 'eu-west-1 (Dublin)',
  'euw2.pure.cloud': 'eu-west-2 (London)',
  'mypurecloud.de': 'eu-central-1 (Frankfurt)',
  'euc2.pure.cloud': 'eu-central-2 (Zurich)',
  'edee1.eusc-pure.cloud': 'eusc-de-east-1 (EU sovereign cloud)',
  'mec1.pure.cloud': 'me-central-1 (UAE)',
  'aps1.pure.cloud': 'ap-south-1 (Mumbai)',
  'apse1.pure.cloud': 'ap-southeast-1 (Singapore)',
  'mypurecloud.com.au': 'ap-southeast-2 (Sydney)',
  'mypurecloud.jp': 'ap-northeast-1 (Tokyo)',
  'apne2.pure.cloud': 'ap-northeast-2 (Seoul)',
  'apne3.pure.cloud': 'ap-northeast-3 (Osaka)'
})

export function isGenesysRegion (domain: string): boolean {
  return Object.hasOwn(GENESYS_REGIONS, domain)
}
