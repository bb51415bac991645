export { WorkerDetailPage } from './worker-detail';
export { WorkersPage } from './workers-page';
