// The signed-in person's credential and workspace, kept in sessionStorage: they last as long as
// the tab and never reach another tab or the disk's long-lived storage.

/** What the console sends with every API call (each optional: AUTH_MODE=none needs none). */
export interface Credentials {
  /** A JWT, sent as `Authorization: Bearer`. */
  token?: string;
  /** An API key, sent as `X-API-Key`. */
  apiKey?: string;
  /** A workspace slug, sent as `X-Workspace-Slug`; omitted = the credential's default workspace. */
  workspace?: string;
}

const KEY = 'flowdeck.console.credentials';

/** Keeps only non-empty strings, so a stored value cannot smuggle in anything else. */
function clean(value: unknown): Credentials {
  const out: Credentials = {};
  if (value && typeof value === 'object') {
    for (const field of ['token', 'apiKey', 'workspace'] as const) {
      const v = (value as Record<string, unknown>)[field];
      if (typeof v === 'string' && v.trim() !== '') out[field] = v.trim();
    }
  }
  return out;
}

/** The stored credentials, or none when nothing (or something unreadable) is stored. */
export function loadCredentials(storage: Storage): Credentials {
  try {
    return clean(JSON.parse(storage.getItem(KEY) ?? 'null'));
  } catch {
    return {};
  }
}

/** Stores `credentials` (empty fields dropped) and returns what was stored. */
export function saveCredentials(storage: Storage, credentials: Credentials): Credentials {
  const cleaned = clean(credentials);
  if (Object.keys(cleaned).length === 0) storage.removeItem(KEY);
  else storage.setItem(KEY, JSON.stringify(cleaned));
  return cleaned;
}

/** Whether a credential (token or API key) is stored, as opposed to only a workspace or nothing. */
export function hasCredential(credentials: Credentials): boolean {
  return Boolean(credentials.token ?? credentials.apiKey);
}
