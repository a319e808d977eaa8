// Asked for when the server answers UNAUTHENTICATED (AUTH_MODE=required): a token or an API key,
// and optionally a workspace. The credential is kept in sessionStorage for this tab only.

import { type FormEvent, useEffect, useRef, useState } from 'react';
import type { Credentials } from '../session.ts';

/** The sign-in form; `refusal` is the server's message about the credential it just refused. */
export function SignIn({
  refusal,
  workspace,
  onSubmit,
}: {
  refusal: string | null;
  workspace?: string;
  onSubmit: (credentials: Credentials) => void;
}) {
  const [token, setToken] = useState('');
  const [apiKey, setApiKey] = useState('');
  const [slug, setSlug] = useState(workspace ?? '');
  const [problem, setProblem] = useState<string | null>(null);
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => {
    document.title = 'Sign in · Flowdeck';
    first.current?.focus();
  }, []);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!token.trim() && !apiKey.trim()) return setProblem('Enter a token or an API key.');
    setProblem(null);
    onSubmit({ token, apiKey, workspace: slug });
  };

  const message = problem ?? (refusal ? `The server refused the credential: ${refusal}` : null);
  return (
    <>
      <h1>Sign in</h1>
      <p>
        This server asks for a credential. Paste a token (a JWT from your identity provider) or an API key; the console keeps it for this
        browser tab only.
      </p>
      <form className="panel sign-in" onSubmit={submit}>
        <div className="field">
          <label htmlFor="sign-in-token">Token (JWT)</label>
          <input
            id="sign-in-token"
            ref={first}
            type="password"
            autoComplete="off"
            value={token}
            onChange={(event) => setToken(event.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="sign-in-api-key">API key</label>
          <input
            id="sign-in-api-key"
            type="password"
            autoComplete="off"
            value={apiKey}
            onChange={(event) => setApiKey(event.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="sign-in-workspace">Workspace slug (optional)</label>
          <input id="sign-in-workspace" type="text" autoComplete="off" value={slug} onChange={(event) => setSlug(event.target.value)} />
        </div>
        <button type="submit">Sign in</button>
        {message ? (
          <p role="alert" className="error">
            {message}
          </p>
        ) : null}
      </form>
    </>
  );
}
