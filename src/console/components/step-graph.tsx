// The run's steps as a picture of their DAG, laid out by dagre from each step's dependsOn.
// One <svg role="img">: its name lists every step with its status, for a screen reader; the
// steps table next to it is the way to act on a step by keyboard.

import { graphlib, layout } from '@dagrejs/dagre';
import { useId, useMemo } from 'react';

/** What the graph needs of a step. */
export interface GraphStep {
  stepId: string;
  stepType: string;
  status: string;
  dependsOn: readonly string[];
}

interface PlacedNode {
  step: GraphStep;
  x: number;
  y: number;
  width: number;
  height: number;
}

const NODE_HEIGHT = 46;
const CHAR_WIDTH = 7.5;
const MARGIN = 16;

interface Placed {
  nodes: PlacedNode[];
  edges: { id: string; d: string }[];
  width: number;
  height: number;
}

/** Lays the steps out left to right; dependencies on unknown steps are drawn as nothing. */
function place(steps: readonly GraphStep[]): Placed {
  const g = new graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 24, ranksep: 56, marginx: MARGIN, marginy: MARGIN });
  g.setDefaultEdgeLabel(() => ({}));
  const known = new Set(steps.map((s) => s.stepId));
  for (const step of steps) {
    const width = Math.max(96, Math.max(step.stepId.length, step.status.length + 2) * CHAR_WIDTH + 24);
    g.setNode(step.stepId, { width, height: NODE_HEIGHT });
  }
  for (const step of steps) {
    for (const dep of step.dependsOn) if (known.has(dep)) g.setEdge(dep, step.stepId);
  }
  layout(g);
  const nodes: PlacedNode[] = steps.map((step) => {
    const n = g.node(step.stepId) as { x: number; y: number; width: number; height: number };
    return { step, x: n.x, y: n.y, width: n.width, height: n.height };
  });
  // Typed here: dagre's declarations use extensionless imports that nodenext cannot follow.
  const edges = g.edges().map((e: { v: string; w: string }): Placed['edges'][number] => {
    const points = (g.edge(e) as { points?: { x: number; y: number }[] }).points ?? [];
    return { id: `${e.v}->${e.w}`, d: points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ') };
  });
  const label = g.graph() as { width?: number; height?: number };
  return { nodes, edges, width: Math.ceil(label.width ?? 0), height: Math.ceil(label.height ?? 0) };
}

/** The DAG picture; clicking a node selects that step (the steps table does the same by keyboard). */
export function StepGraph({
  steps,
  selected,
  onSelect,
}: {
  steps: readonly GraphStep[];
  selected: string | null;
  onSelect: (stepId: string) => void;
}) {
  // Laid out again only when the shape changes: statuses change colours, not positions, and
  // each batch of a live run brings new step objects.
  const shape = steps.map((s) => `${s.stepId}<${s.dependsOn.join(',')}`).join(';');
  const placed = useMemo(() => place(steps), [shape]); // `steps` matters only through `shape`
  const arrow = `${useId().replace(/:/g, '')}-arrow`;
  const statusOf = new Map(steps.map((s) => [s.stepId, s.status]));
  const name = `Step graph: ${steps.map((s) => `${s.stepId} ${statusOf.get(s.stepId) ?? s.status}`).join(', ')}`;
  return (
    <svg
      className="step-graph"
      role="img"
      aria-label={name}
      width={placed.width}
      height={placed.height}
      viewBox={`0 0 ${placed.width} ${placed.height}`}
    >
      <defs>
        <marker id={arrow} viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse">
          <path d="M 0 0 L 10 5 L 0 10 z" className="edge-arrow" />
        </marker>
      </defs>
      {placed.edges.map((edge) => (
        <path key={edge.id} d={edge.d} className="edge" markerEnd={`url(#${arrow})`} />
      ))}
      {placed.nodes.map(({ step, x, y, width, height }) => {
        const status = statusOf.get(step.stepId) ?? step.status;
        return (
          <g
            key={step.stepId}
            className={`node node-${status.toLowerCase()}${selected === step.stepId ? ' node-selected' : ''}`}
            transform={`translate(${(x - width / 2).toFixed(1)},${(y - height / 2).toFixed(1)})`}
            data-step={step.stepId}
            onClick={() => onSelect(step.stepId)}
          >
            <title>{`${step.stepId} (${step.stepType.toLowerCase()} step): ${status}`}</title>
            <rect width={width} height={height} rx="6" />
            <text x={width / 2} y="19" textAnchor="middle" className="node-name">
              {step.stepId}
            </text>
            <text x={width / 2} y="35" textAnchor="middle" className="node-status">
              {status}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
