import '@testing-library/jest-dom/vitest';
import { cleanup, configure } from '@testing-library/react';
import { afterEach, inject } from 'vitest';
import { api } from '../api/client';

// In Node the tests reach the real taskflow-app directly; the Host header, which the browser
// sets from the address bar, names the tenant (see ./tenant.ts).
api.defaults.baseURL = `http://127.0.0.1:${inject('apiPort')}`;
api.defaults.adapter = 'http';

// Every test waits on a real server, which a busy two-core machine can slow down.
configure({ asyncUtilTimeout: 5000 });

afterEach(() => {
  cleanup();
  window.localStorage.clear();
  delete api.defaults.headers.common.Host;
});
