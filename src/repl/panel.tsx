// The diagram under the output: the visualize component for the panel shown, fed with the models
// folded from events and the data the shell fetched, drawn to lines at the terminal's width. Lines
// (not a live subtree) because a diagram is often taller than the screen: the REPL shows the
// part that fits and scrolls it, and Ink never has to draw more than the screen holds.
import { renderToString } from 'ink';
import type { ReactElement } from 'react';
import { Cgroups, ExplainRun, Layers, Namespaces, PullHandshake } from '../visualize/index.ts';
import { Network } from '../visualize/Network.tsx';
import { ApiRequests } from '../visualize/ApiRequests.tsx';
import { lastContainer } from './feed.ts';
import type { PanelName, ReplState } from './store.ts';

/** What a diagram is drawn from: plain data, so it can be sent to the panel worker. */
export type PanelInput = Pick<ReplState, 'panel' | 'models' | 'plain' | 'runOutput' | 'samples' | 'images' | 'changes'>;

export function panelInput(s: ReplState): PanelInput {
  const { panel, models, plain, runOutput, samples, images, changes } = s;
  return { panel, models, plain, runOutput, samples, images, changes };
}

export function panelElement(panel: PanelName, s: PanelInput, width: number): ReactElement {
  const { models, plain } = s;
  const container = lastContainer(models);
  switch (panel) {
    case 'pull':
      return <PullHandshake model={models.pull} plain={plain} width={width} />;
    case 'run':
      return <ExplainRun model={models.run} output={s.runOutput} plain={plain} width={width} />;
    case 'ns':
      return <Namespaces model={models.ns} {...(container ? { container } : {})} plain={plain} width={width} />;
    case 'net':
      return <Network model={models.net} plain={plain} width={width} />;
    case 'api':
      return <ApiRequests model={models.api} plain={plain} width={width} />;
    case 'cgroups':
      return <Cgroups model={models.cgroups} {...(container ? { container } : {})} samples={s.samples} plain={plain} width={width} />;
    case 'layers': {
      const image = s.images.find((i) => i.id === models.imageId) ?? s.images[0];
      const changes = s.changes && s.changes.container === container ? s.changes.list : undefined;
      return (
        <Layers
          model={models.layers} {...(container ? { container } : {})} {...(image ? { image } : {})}
          others={s.images.filter((i) => i !== image)} {...(changes ? { changes } : {})} plain={plain} width={width}
        />
      );
    }
  }
}

/** The panel as lines, `columns` wide (at most 160: wider, diagrams only spread out). */
export function drawPanel(s: PanelInput, columns: number): string[] {
  if (!s.panel) return [];
  const width = Math.max(40, Math.min(columns, 160));
  const text = renderToString(panelElement(s.panel, s, width), { columns: width });
  return text.split('\n').map((l) => l.replace(/\s+$/, ''));
}
