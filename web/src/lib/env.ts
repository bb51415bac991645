/** The only module that reads import.meta.env or the page location for configuration. */
export const env = {
  /** API base path; the dashboard is served by the same process, so this is relative. */
  apiBase: '/api/v1',
  /** WebSocket URL of the live feed, on the page's own host. */
  liveUrl(): string {
    const proto = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
    return `${proto}//${window.location.host}/api/v1/live`;
  },
  dev: import.meta.env.DEV,
} as const;
