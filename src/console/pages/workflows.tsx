// The workflows, each with a Run button that starts a run with a JSON input and opens it.

import {
  getFragmentData,
  useExecuteWorkflowMutation,
  useWorkflowsQuery,
  type WorkflowListItemFragment,
  WorkflowListItemFragmentDoc,
} from '@flowdeck/sdk';
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { errorMessage, parseJsonInput, typedError } from '../errors.ts';
import { formatDateTime } from '../format.ts';
import { runPath, useRouter } from '../router.tsx';

/** The workflows page. */
export function WorkflowsPage() {
  const [result] = useWorkflowsQuery({ variables: { first: 100 } });
  const [chosen, setChosen] = useState<WorkflowListItemFragment | null>(null);
  const workflows = (result.data?.workflows.edges ?? []).map((edge) => getFragmentData(WorkflowListItemFragmentDoc, edge.node));
  useEffect(() => {
    document.title = 'Workflows · Flowdeck';
  }, []);
  return (
    <>
      <h1>Workflows</h1>
      {result.error ? (
        <p role="alert" className="error">
          Could not load the workflows: {errorMessage(result.error)}
        </p>
      ) : null}
      <div className="table-wrap">
        <table aria-busy={result.fetching}>
          <caption>Workflows</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Key</th>
              <th scope="col">Status</th>
              <th scope="col">Version</th>
              <th scope="col">Updated</th>
              <th scope="col">Run</th>
            </tr>
          </thead>
          <tbody>
            {workflows.length === 0 ? (
              <tr>
                <td colSpan={6} className="muted">
                  {result.fetching ? 'Loading…' : 'No workflows yet.'}
                </td>
              </tr>
            ) : null}
            {workflows.map((workflow) => (
              <tr key={workflow.id}>
                <th scope="row">
                  {workflow.name}
                  {workflow.description ? <div className="muted">{workflow.description}</div> : null}
                </th>
                <td className="mono">{workflow.key}</td>
                <td>{workflow.status}</td>
                <td className="num">{workflow.currentVersion}</td>
                <td>{formatDateTime(workflow.updatedAt)}</td>
                <td>
                  <button
                    type="button"
                    disabled={workflow.status !== 'ACTIVE'}
                    onClick={() => setChosen(workflow)}
                    aria-label={`Run ${workflow.name}`}
                  >
                    Run
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {chosen ? <RunForm key={chosen.id} workflow={chosen} onClose={() => setChosen(null)} /> : null}
    </>
  );
}

/** Starts a run of `workflow` with the inputs typed as JSON, then opens the new run. */
function RunForm({ workflow, onClose }: { workflow: WorkflowListItemFragment; onClose: () => void }) {
  const [inputs, setInputs] = useState('{}');
  const [problem, setProblem] = useState<string | null>(null);
  const [{ fetching }, execute] = useExecuteWorkflowMutation();
  const { navigate } = useRouter();
  const fieldId = useId();
  const headingId = useId();
  const field = useRef<HTMLTextAreaElement>(null);
  // The form appears below the table: take the keyboard there.
  useEffect(() => field.current?.focus(), []);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const parsed = parseJsonInput(inputs, 'The inputs');
    if (!parsed.ok) return setProblem(parsed.message);
    setProblem(null);
    const result = await execute({ input: { workflow: { id: workflow.id }, inputs: parsed.value } });
    const member = result.data?.runWorkflow;
    if (result.error) return setProblem(`The run was not started: ${errorMessage(result.error)}`);
    if (member?.__typename === 'RunWorkflowSuccess') return navigate(runPath(member.run.id));
    setProblem(`The run was not started: ${typedError(member)?.message ?? 'no answer'}`);
  };

  return (
    <section className="panel" aria-labelledby={headingId}>
      <h2 id={headingId}>Run {workflow.name}</h2>
      <form onSubmit={(event) => void onSubmit(event)}>
        <label htmlFor={fieldId}>Inputs (JSON)</label>
        <textarea id={fieldId} ref={field} rows={6} value={inputs} onChange={(event) => setInputs(event.target.value)} spellCheck={false} />
        <div className="actions">
          <button type="submit" disabled={fetching}>
            Start run
          </button>
          <button type="button" onClick={onClose}>
            Close
          </button>
        </div>
        {problem ? (
          <p role="alert" className="error">
            {problem}
          </p>
        ) : null}
      </form>
    </section>
  );
}
