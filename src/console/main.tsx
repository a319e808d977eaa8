// Entry point of the console bundle (index.html loads it).

import { createRoot } from 'react-dom/client';
import { Console } from './console.tsx';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
// The API is this page's own server (the console is served at /console beside /graphql).
createRoot(root).render(<Console storage={window.sessionStorage} apiUrl={new URL('/graphql', window.location.origin).href} />);
