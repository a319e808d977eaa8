import * as Operations from './gql/graphql.js';
import * as Urql from 'urql';
export type Omit<T, K extends keyof T> = Pick<T, Exclude<keyof T, K>>;


export function useAgentsQuery(options?: Omit<Urql.UseQueryArgs<Operations.AgentsQueryVariables>, 'query'>) {
  return Urql.useQuery<Operations.AgentsQuery, Operations.AgentsQueryVariables>({ query: Operations.AgentsDocument, ...options });
};

export function useRunActivityQuery(options: Omit<Urql.UseQueryArgs<Operations.RunActivityQueryVariables>, 'query'>) {
  return Urql.useQuery<Operations.RunActivityQuery, Operations.RunActivityQueryVariables>({ query: Operations.RunActivityDocument, ...options });
};

export function useWorkspaceStatsQuery(options?: Omit<Urql.UseQueryArgs<Operations.WorkspaceStatsQueryVariables>, 'query'>) {
  return Urql.useQuery<Operations.WorkspaceStatsQuery, Operations.WorkspaceStatsQueryVariables>({ query: Operations.WorkspaceStatsDocument, ...options });
};

export function useRunLogsQuery(options: Omit<Urql.UseQueryArgs<Operations.RunLogsQueryVariables>, 'query'>) {
  return Urql.useQuery<Operations.RunLogsQuery, Operations.RunLogsQueryVariables>({ query: Operations.RunLogsDocument, ...options });
};

export function useCancelRunsMutation() {
  return Urql.useMutation<Operations.CancelRunsMutation, Operations.CancelRunsMutationVariables>(Operations.CancelRunsDocument);
};

export function useRetryRunsMutation() {
  return Urql.useMutation<Operations.RetryRunsMutation, Operations.RetryRunsMutationVariables>(Operations.RetryRunsDocument);
};

export function useBulkRunOperationQuery(options: Omit<Urql.UseQueryArgs<Operations.BulkRunOperationQueryVariables>, 'query'>) {
  return Urql.useQuery<Operations.BulkRunOperationQuery, Operations.BulkRunOperationQueryVariables>({ query: Operations.BulkRunOperationDocument, ...options });
};

export function useWorkersQuery(options?: Omit<Urql.UseQueryArgs<Operations.WorkersQueryVariables>, 'query'>) {
  return Urql.useQuery<Operations.WorkersQuery, Operations.WorkersQueryVariables>({ query: Operations.WorkersDocument, ...options });
};

export function useExecuteWorkflowMutation() {
  return Urql.useMutation<Operations.ExecuteWorkflowMutation, Operations.ExecuteWorkflowMutationVariables>(Operations.ExecuteWorkflowDocument);
};

export function useCancelRunMutation() {
  return Urql.useMutation<Operations.CancelRunMutation, Operations.CancelRunMutationVariables>(Operations.CancelRunDocument);
};

export function useRetryRunMutation() {
  return Urql.useMutation<Operations.RetryRunMutation, Operations.RetryRunMutationVariables>(Operations.RetryRunDocument);
};

export function useRerunFromStepMutation() {
  return Urql.useMutation<Operations.RerunFromStepMutation, Operations.RerunFromStepMutationVariables>(Operations.RerunFromStepDocument);
};

export function useSignalRunMutation() {
  return Urql.useMutation<Operations.SignalRunMutation, Operations.SignalRunMutationVariables>(Operations.SignalRunDocument);
};

export function useRunStatusQuery(options: Omit<Urql.UseQueryArgs<Operations.RunStatusQueryVariables>, 'query'>) {
  return Urql.useQuery<Operations.RunStatusQuery, Operations.RunStatusQueryVariables>({ query: Operations.RunStatusDocument, ...options });
};

export function useRunQuery(options: Omit<Urql.UseQueryArgs<Operations.RunQueryVariables>, 'query'>) {
  return Urql.useQuery<Operations.RunQuery, Operations.RunQueryVariables>({ query: Operations.RunDocument, ...options });
};

export function useRunEventsQuery(options: Omit<Urql.UseQueryArgs<Operations.RunEventsQueryVariables>, 'query'>) {
  return Urql.useQuery<Operations.RunEventsQuery, Operations.RunEventsQueryVariables>({ query: Operations.RunEventsDocument, ...options });
};

export function useRunStreamSubscription<TData = Operations.RunStreamSubscription>(options: Omit<Urql.UseSubscriptionArgs<Operations.RunStreamSubscriptionVariables>, 'query'>, handler?: Urql.SubscriptionHandler<Operations.RunStreamSubscription, TData>) {
  return Urql.useSubscription<Operations.RunStreamSubscription, TData, Operations.RunStreamSubscriptionVariables>({ query: Operations.RunStreamDocument, ...options }, handler);
};

export function useRunsQuery(options?: Omit<Urql.UseQueryArgs<Operations.RunsQueryVariables>, 'query'>) {
  return Urql.useQuery<Operations.RunsQuery, Operations.RunsQueryVariables>({ query: Operations.RunsDocument, ...options });
};

export function useRunsChangedSubscription<TData = Operations.RunsChangedSubscription>(options?: Omit<Urql.UseSubscriptionArgs<Operations.RunsChangedSubscriptionVariables>, 'query'>, handler?: Urql.SubscriptionHandler<Operations.RunsChangedSubscription, TData>) {
  return Urql.useSubscription<Operations.RunsChangedSubscription, TData, Operations.RunsChangedSubscriptionVariables>({ query: Operations.RunsChangedDocument, ...options }, handler);
};

export function useWorkflowsQuery(options?: Omit<Urql.UseQueryArgs<Operations.WorkflowsQueryVariables>, 'query'>) {
  return Urql.useQuery<Operations.WorkflowsQuery, Operations.WorkflowsQueryVariables>({ query: Operations.WorkflowsDocument, ...options });
};

export function useWorkflowQuery(options: Omit<Urql.UseQueryArgs<Operations.WorkflowQueryVariables>, 'query'>) {
  return Urql.useQuery<Operations.WorkflowQuery, Operations.WorkflowQueryVariables>({ query: Operations.WorkflowDocument, ...options });
};

export function useWorkspacesQuery(options?: Omit<Urql.UseQueryArgs<Operations.WorkspacesQueryVariables>, 'query'>) {
  return Urql.useQuery<Operations.WorkspacesQuery, Operations.WorkspacesQueryVariables>({ query: Operations.WorkspacesDocument, ...options });
};

export function useCurrentWorkspaceQuery(options?: Omit<Urql.UseQueryArgs<Operations.CurrentWorkspaceQueryVariables>, 'query'>) {
  return Urql.useQuery<Operations.CurrentWorkspaceQuery, Operations.CurrentWorkspaceQueryVariables>({ query: Operations.CurrentWorkspaceDocument, ...options });
};

export function useCreateWorkspaceMutation() {
  return Urql.useMutation<Operations.CreateWorkspaceMutation, Operations.CreateWorkspaceMutationVariables>(Operations.CreateWorkspaceDocument);
};