import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app';
import './styles.css';
import { applySavedTheme } from './theme';

applySavedTheme();

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

// The page's first toLocaleString() loads the browser's number formats (30–50 ms on a slow machine, measured in
// headless Chromium): load them while the session check is on the network, not in the render that asks for the grid.
setTimeout(() => (0).toLocaleString(), 0);
