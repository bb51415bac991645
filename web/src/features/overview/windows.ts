export const WINDOWS = [
  { seconds: 900, label: 'Last 15 min' },
  { seconds: 3600, label: 'Last hour' },
  { seconds: 21600, label: 'Last 6 h' },
  { seconds: 86400, label: 'Last 24 h' },
];
