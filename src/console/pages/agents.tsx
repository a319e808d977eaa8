// The registered agents with the outcome of their last health check.

import { AgentListItemFragmentDoc, getFragmentData, useAgentsQuery } from '@flowdeck/sdk';
import { useEffect } from 'react';
import { errorMessage } from '../errors.ts';
import { formatDateTime } from '../format.ts';

/** The agents page. */
export function AgentsPage() {
  const [result] = useAgentsQuery({ variables: { first: 100 } });
  const agents = (result.data?.agents.edges ?? []).map((edge) => getFragmentData(AgentListItemFragmentDoc, edge.node));
  useEffect(() => {
    document.title = 'Agents · Flowdeck';
  }, []);
  return (
    <>
      <h1>Agents</h1>
      {result.error ? (
        <p role="alert" className="error">
          Could not load the agents: {errorMessage(result.error)}
        </p>
      ) : null}
      <div className="table-wrap">
        <table aria-busy={result.fetching}>
          <caption>Agents</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Protocol</th>
              <th scope="col">Status</th>
              <th scope="col">URL</th>
              <th scope="col">Last health check</th>
            </tr>
          </thead>
          <tbody>
            {agents.length === 0 ? (
              <tr>
                <td colSpan={5} className="muted">
                  {result.fetching ? 'Loading…' : 'No agents registered.'}
                </td>
              </tr>
            ) : null}
            {agents.map((agent) => (
              <tr key={agent.id}>
                <th scope="row">
                  {agent.name}
                  {agent.description ? <div className="muted">{agent.description}</div> : null}
                </th>
                <td>{agent.protocol}</td>
                <td>{agent.status}</td>
                <td className="mono">{agent.url}</td>
                <td>
                  {agent.lastHealth ? (
                    <>
                      <span className={`status ${agent.lastHealth.healthy ? 'status-completed' : 'status-failed'}`}>
                        {agent.lastHealth.healthy ? 'Healthy' : 'Unhealthy'}
                      </span>{' '}
                      {formatDateTime(agent.lastHealth.checkedAt)}
                      {agent.lastHealth.responseTimeMs !== null ? `, ${agent.lastHealth.responseTimeMs} ms` : ''}
                      {agent.lastHealth.error ? <div className="muted">{agent.lastHealth.error}</div> : null}
                    </>
                  ) : (
                    <span className="muted">Never checked</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
