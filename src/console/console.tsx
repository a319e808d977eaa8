// The console's frame: the API client (rebuilt when the credential or workspace changes), the
// sign-in gate, the page layout (header, navigation, main) and the routes.

import { createFlowdeckClient, type FlowdeckClient, FlowdeckProvider, useCurrentWorkspaceQuery, useWorkspacesQuery } from '@flowdeck/sdk';
import { type ReactNode, useEffect, useRef, useState } from 'react';
import { errorMessage, isUnauthenticated } from './errors.ts';
import { AgentsPage } from './pages/agents.tsx';
import { RunPage } from './pages/run.tsx';
import { RunsPage } from './pages/runs.tsx';
import { SignIn } from './pages/sign-in.tsx';
import { WorkflowsPage } from './pages/workflows.tsx';
import { Link, matchRoute, RouterProvider, useRouter } from './router.tsx';
import { type Credentials, hasCredential, loadCredentials, saveCredentials } from './session.ts';

/** Where the console keeps the credential, and the API it talks to. */
export interface ConsoleProps {
  storage: Storage;
  /** The GraphQL endpoint, e.g. `https://flowdeck.example/graphql`. */
  apiUrl: string;
}

/** The whole console. */
export function Console({ storage, apiUrl }: ConsoleProps) {
  const [credentials, setCredentials] = useState<Credentials>(() => loadCredentials(storage));
  const [refusal, setRefusal] = useState<string | null>(null);
  const [session, setSession] = useState<{ client: FlowdeckClient; credentials: Credentials; generation: number } | null>(null);

  // One client per credential: its WebSocket carries the credential from its first message.
  useEffect(() => {
    const client = createFlowdeckClient({
      url: apiUrl,
      token: credentials.token,
      apiKey: credentials.apiKey,
      workspace: credentials.workspace,
    });
    setSession((current) => ({ client, credentials, generation: (current?.generation ?? 0) + 1 }));
    return () => void client.dispose();
  }, [apiUrl, credentials]);

  const use = (next: Credentials) => setCredentials(saveCredentials(storage, next));
  const actions: SessionActions = {
    signIn: (next) => {
      setRefusal(null);
      use(next);
    },
    signOut: () => {
      setRefusal(null);
      use({});
    },
    refused: (message) => {
      setRefusal(message);
      use({ workspace: credentials.workspace });
    },
    switchWorkspace: (workspace) => use({ ...credentials, workspace }),
  };

  if (!session) return null;
  return (
    <FlowdeckProvider value={session.client}>
      <RouterProvider>
        {/* The credentials the client was made with: until the next client exists, the old one answers. */}
        <Gate key={session.generation} credentials={session.credentials} refusal={refusal} actions={actions} />
      </RouterProvider>
    </FlowdeckProvider>
  );
}

interface SessionActions {
  signIn: (credentials: Credentials) => void;
  signOut: () => void;
  /** The server refused the stored credential: forget it and ask again, saying why. */
  refused: (message: string) => void;
  switchWorkspace: (slug: string) => void;
}

/** Asks who the caller is (the current workspace); shows the sign-in form when the server wants a credential. */
function Gate({ credentials, refusal, actions }: { credentials: Credentials; refusal: string | null; actions: SessionActions }) {
  const [{ data, error, fetching }] = useCurrentWorkspaceQuery({ requestPolicy: 'network-only' });
  const unauthenticated = isUnauthenticated(error);
  const refusedNow = unauthenticated && hasCredential(credentials);
  const message = errorMessage(error);
  // Once per refusal (each sign-in mounts a new Gate); `actions` is rebuilt on every render, so it is no dependency.
  useEffect(() => {
    if (refusedNow) actions.refused(message);
  }, [refusedNow, message]);

  const signedIn = hasCredential(credentials);
  if (unauthenticated) {
    return (
      <Layout signedIn={false} onSignOut={actions.signOut}>
        <SignIn refusal={refusedNow ? message : refusal} workspace={credentials.workspace} onSubmit={actions.signIn} />
      </Layout>
    );
  }
  if (error) {
    return (
      <Layout signedIn={signedIn} onSignOut={actions.signOut}>
        <h1>The API did not answer</h1>
        <p role="alert" className="error">
          {message}
        </p>
        {credentials.workspace ? (
          <button type="button" onClick={() => actions.switchWorkspace('')}>
            Use the default workspace
          </button>
        ) : null}
      </Layout>
    );
  }
  if (!data) {
    return (
      <Layout signedIn={signedIn} onSignOut={actions.signOut}>
        <p aria-busy={fetching}>Connecting to the API…</p>
      </Layout>
    );
  }
  return (
    <Layout
      signedIn={signedIn}
      onSignOut={actions.signOut}
      workspace={<WorkspaceSwitch current={data.currentWorkspace} onSwitch={actions.switchWorkspace} />}
    >
      <Page />
    </Layout>
  );
}

/** The page of the current route. */
function Page() {
  const { path } = useRouter();
  const route = matchRoute(path);
  switch (route.page) {
    case 'runs':
      return <RunsPage />;
    case 'run':
      return <RunPage runId={route.runId} />;
    case 'workflows':
      return <WorkflowsPage />;
    case 'agents':
      return <AgentsPage />;
    default:
      return (
        <>
          <h1>Page not found</h1>
          <p>
            Nothing lives at <code>{route.path}</code>. <Link to="/">Go to the runs</Link>.
          </p>
        </>
      );
  }
}

/** Header with navigation, workspace and sign-out; the page in <main>, which takes focus on navigation. */
function Layout({
  children,
  signedIn,
  onSignOut,
  workspace,
}: {
  children: ReactNode;
  signedIn: boolean;
  onSignOut: () => void;
  workspace?: ReactNode;
}) {
  const { path } = useRouter();
  const main = useRef<HTMLElement>(null);
  const lastPath = useRef(path);
  useEffect(() => {
    // A screen reader hears the new page from its start, as after a full page load.
    if (lastPath.current !== path) main.current?.focus();
    lastPath.current = path;
  }, [path]);
  return (
    <>
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <header className="top">
        <Link to="/" className="brand">
          Flowdeck
        </Link>
        <nav aria-label="Main">
          <ul>
            <li>
              <Link to="/">Runs</Link>
            </li>
            <li>
              <Link to="/workflows">Workflows</Link>
            </li>
            <li>
              <Link to="/agents">Agents</Link>
            </li>
          </ul>
        </nav>
        <div className="session">
          {workspace}
          {signedIn ? (
            <button type="button" onClick={onSignOut}>
              Sign out
            </button>
          ) : null}
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {children}
      </main>
    </>
  );
}

/** The current workspace, as a select among the caller's workspaces when there are several. */
function WorkspaceSwitch({ current, onSwitch }: { current: { slug: string; name: string }; onSwitch: (slug: string) => void }) {
  const [{ data }] = useWorkspacesQuery();
  const workspaces = data?.workspaces ?? [];
  if (workspaces.length < 2) {
    return (
      <p className="workspace">
        Workspace: <strong>{current.name}</strong>
      </p>
    );
  }
  return (
    <div className="workspace field-inline">
      <label htmlFor="workspace-select">Workspace</label>
      <select id="workspace-select" value={current.slug} onChange={(event) => onSwitch(event.target.value)}>
        {workspaces.map((w) => (
          <option key={w.id} value={w.slug}>
            {w.name}
          </option>
        ))}
      </select>
    </div>
  );
}
