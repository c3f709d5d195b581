import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import 'bootstrap/dist/css/bootstrap.min.css';
import './main.css';
import { takeTokenFromFragment } from './api/token';
import { App } from './app/App';
import { siteOf } from './app/host';
import { createQueryClient } from './app/queryClient';
import { startTheme } from './app/theme';

startTheme();
const site = siteOf(window.location.host);
if (site.kind === 'tenant') takeTokenFromFragment();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App site={site} queryClient={createQueryClient()} />
  </StrictMode>,
);
