import type { ReactElement, ReactNode } from 'react';
import { QueryClientProvider, type QueryClient } from '@tanstack/react-query';
import { render, renderHook } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router';
import { createQueryClient } from '../app/queryClient';

export function withClient(queryClient: QueryClient = createQueryClient()) {
  const wrapper = ({ children }: { children: ReactNode }) => (
    <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>
  );
  return { queryClient, wrapper };
}

export function renderHookWithClient<T>(hook: () => T, queryClient?: QueryClient) {
  const { wrapper, queryClient: client } = withClient(queryClient);
  return { ...renderHook(hook, { wrapper }), queryClient: client };
}

/** Renders `element` at `path` inside the app's providers, with `routes` beside it. */
export function renderAt(path: string, element: ReactElement, routes: Record<string, ReactElement> = {}, pattern = path) {
  const { wrapper: Providers, queryClient } = withClient();
  const result = render(
    <Providers>
      <MemoryRouter initialEntries={[path]}>
        <Routes>
          <Route path={pattern} element={element} />
          {Object.entries(routes).map(([p, e]) => (
            <Route key={p} path={p} element={e} />
          ))}
        </Routes>
      </MemoryRouter>
    </Providers>,
  );
  return { ...result, queryClient };
}
