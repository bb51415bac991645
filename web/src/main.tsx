import { MutationCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app';
import { toast } from './components/ui/toasts';
import { ApiError, isUnavailable } from './lib/api-client';
import { startLive } from './lib/live';
import { SettingsProvider } from './lib/settings';
import './styles.css';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 2000,
      refetchOnWindowFocus: false,
      // 4xx answers do not get better by asking again
      retry: (n, err) => !(err instanceof ApiError && err.status < 500) && n < 2,
    },
  },
  mutationCache: new MutationCache({
    onError(err) {
      if (isUnavailable(err)) toast('This action is not available on this server.', 'bad');
      else toast(err instanceof ApiError ? `${err.code}: ${err.message}` : String(err), 'bad');
    },
  }),
});

startLive(queryClient);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <SettingsProvider>
        <App />
      </SettingsProvider>
    </QueryClientProvider>
  </StrictMode>,
);
