// Names of products the parser recognises as systems (data, no logic).

/**
 * Well-known products and services a step may name. A clause that names one of these when no
 * offered tool or registered agent belongs to it asks for something the workspace cannot do
 * ("deploy the app to Heroku" with only `k8s.deploy`): the step is left unmatched, so the
 * workflow is reported invalid instead of quietly using another system.
 */
export const PRODUCTS: readonly string[] = (
  'salesforce hubspot pipedrive zoho zendesk freshdesk intercom helpscout jira linear asana trello clickup notion confluence ' +
  'slack discord msteams telegram whatsapp twilio sendgrid mailchimp klaviyo gmail outlook stripe paypal braintree quickbooks xero ' +
  'netsuite sap workday bamboohr gusto rippling okta auth0 github gitlab bitbucket jenkins circleci heroku vercel netlify aws gcp ' +
  'azure kubernetes docker terraform vault datadog sentry pagerduty opsgenie prometheus grafana snowflake bigquery redshift ' +
  'postgres postgresql mysql mongodb redis elasticsearch algolia airtable typeform shopify woocommerce magento looker tableau ' +
  'metabase mixpanel amplitude segment docusign pandadoc hellosign dropbox sharepoint onedrive trustpilot coupa expensify openai ' +
  'whisper clearbit linkedin twitter facebook instagram youtube zoom calendly harvest greenhouse lever marketo outreach salesloft ' +
  'gong webflow wordpress contentful figma miro airflow dbt fivetran kafka rabbitmq cloudflare fastly ' +
  // More that users name as a destination or source; a step naming one of them, unoffered, is left unmatched.
  'brevo sendinblue activecampaign convertkit drip iterable customerio braze onesignal postmark mailgun mandrill ' +
  'attio close copper freshsales insightly keap monday basecamp wrike smartsheet coda quip box egnyte wetransfer ' +
  'bamboo adp paychex personio deel remote hibob lattice cultureamp leapsome ' +
  'chargebee recurly paddle chargify adyen square wise revolut brex ramp billcom gocardless ' +
  'bitbucket teamcity buildkite travis argocd spinnaker octopus render railway flyio digitalocean linode ' +
  'newrelic honeycomb splunk sumologic loggly papertrail logdna bugsnag rollbar raygun statuspage ' +
  'clickhouse databricks dremio firebolt singlestore cockroachdb planetscale supabase firebase dynamodb cassandra couchbase ' +
  'hotjar fullstory heap pendo posthog plausible matomo ' +
  'gorgias kustomer gladly frontapp front helpdesk livechat drift crisp tawk zoho ' +
  'calendly acuity doodle eventbrite hopin luma ' +
  'canva loom vimeo wistia transistor buzzsprout spotify soundcloud'
).split(' ');

/**
 * Systems whose tool names are short forms of what people write: `ga4.run_report` is
 * "Google Analytics", `gdrive.upload_file` "Google Drive". Keys are system names as tools spell
 * them; values are the words people write, run together (impliedWords joins neighbours:
 * "Google Analytics" → googleanalytics).
 */
export const SYSTEM_ALIASES: Readonly<Record<string, readonly string[]>> = {
  ga: ['googleanalytics'],
  ga4: ['googleanalytics'],
  gdrive: ['googledrive'],
  gcal: ['googlecalendar'],
  gcs: ['googlecloudstorage', 'cloudstorage'],
  gsheets: ['googlesheets'],
  sheets: ['googlesheets'],
  msteams: ['teams', 'microsoftteams'],
  teams: ['microsoftteams'],
  k8s: ['kubernetes'],
  postgres: ['postgresql'],
  pg: ['postgres', 'postgresql'],
  argocd: ['argo'],
  o365: ['office365', 'outlook'],
  bq: ['bigquery'],
  gam: ['googleadmanager', 'admanager'],
};
